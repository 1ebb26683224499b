/* ---
id: 3add61a0-52ba-4aac-9f59-c0b5d627b17d
name: "CVE-2021-27065: Reset-VirtualDirectory through a ServerInfo~ anchor in HttpProxy\\Ecp (Test-ProxyLogon)"
status: stable
severity: critical
cves: [CVE-2021-27065, CVE-2021-26855]
mitre: ["TA0003:T1505.003", "TA0001:T1190"]
log_families: [httpproxy]
key_fields: [anchor_mailbox]
description: >
  Test-ProxyLogon's CVE-2021-27065 rule on the HttpProxy Ecp logs (PR #386): an AnchorMailbox ServerInfo~<x>/<path>
  ending in a Reset...VirtualDirectory# request, answered with HTTP 200. The reset of the OAB virtual directory writes
  its configuration (with the attacker's ExternalUrl script) to a file path the attacker chose: "WebShell possibly
  downloaded in file system".
false_positives:
  - "None known: legitimate resets do not go through a ServerInfo~ anchor."
references:
  - https://github.com/microsoft/CSS-Exchange/blob/main/Security/src/Test-ProxyLogon.ps1
  - https://github.com/microsoft/CSS-Exchange/pull/386
runbook: |
  1. The reset writes a file: search file events and inventories for new .aspx files around first_seen.
  2. Look at the ECP Server log for the Set-OabVirtualDirectory that preceded it.
--- */
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       anchor_mailbox, min(client_ip) AS client_ip, min(uri_stem) AS uri_stem, min(user_agent) AS user_agent
FROM web_requests
WHERE dt BETWEEN ? AND ?
  -- 'ServerInfo~*/*Reset*VirtualDirectory#' with HttpStatus 200, as in TPL.
  AND lower(anchor_mailbox) LIKE 'serverinfo~%/%reset%virtualdirectory#'
  AND status = 200
GROUP BY agency, host, anchor_mailbox
