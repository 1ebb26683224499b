/* ---
id: 3add61a0-52ba-4aac-9f59-c0b5d627b17d
name: "CVE-2021-27065: Reset-VirtualDirectory through a ServerInfo~ anchor in HttpProxy\\Ecp (Test-ProxyLogon)"
status: stable
severity: critical
cves: [CVE-2021-27065, CVE-2021-26855]
mitre: ["TA0003:T1505.003", "TA0001:T1190"]
log_families: [httpproxy]
key_fields: [anchor_mailbox, backend_host]
description: >
  Test-ProxyLogon's CVE-2021-27065 rule on the HttpProxy Ecp logs (PR #386): an AnchorMailbox ServerInfo~<x>/<path>
  naming a Reset...VirtualDirectory request, answered (any 2xx/3xx). Test-ProxyLogon wants the anchor to end in
  'VirtualDirectory#'; public exploit code sends '?schema=ResetOABVirtualDirectory&msExchEcpCanary=...&a=~1942062522',
  so the reset is matched anywhere in the anchor path. The reset of the OAB virtual directory writes its configuration
  (with the attacker's ExternalUrl script) to a file path the attacker chose: "WebShell possibly downloaded in file
  system". The finding's host is the front end that logged the request; backend_host is the back end named in the
  anchor (or TargetServer), where the file is written.
false_positives:
  - "None known: legitimate resets do not go through a ServerInfo~ anchor."
references:
  - https://github.com/microsoft/CSS-Exchange/blob/main/Security/src/Test-ProxyLogon.ps1
  - https://github.com/microsoft/CSS-Exchange/pull/386
runbook: |
  1. The reset writes a file on backend_host: search its file events and inventories for new .aspx files around
     first_seen.
  2. Look at the ECP Server log for the Set-OabVirtualDirectory that preceded it.
--- */
-- Stage 1: reset anchors answered, with the back end the SSRF reached.
WITH resets AS (
  SELECT agency, host, event_time, anchor_mailbox, client_ip, uri_stem, user_agent,
         -- The anchor's host (ServerInfo~a]@mbx02.corp.example:444/...), else TargetServer, as a short upper-case name
         -- like the lake's host column; a name must start with a letter (an IP address is not a host name).
         upper(coalesce(regexp_extract(anchor_mailbox, '@([A-Za-z][^.:/\]@]*)', 1), split_part(target_server, '.', 1))) AS backend_host
  FROM web_requests
  WHERE dt BETWEEN ? AND ?
    -- 'ServerInfo~*/*Reset*VirtualDirectory*': TPL's pattern without the closing '#' (public exploit code adds
    -- parameters after the schema name).
    AND lower(anchor_mailbox) LIKE 'serverinfo~%/%reset%virtualdirectory%'
    -- Answered: any 2xx/3xx (TPL compares with 200).
    AND status BETWEEN 200 AND 399
)
-- Stage 2: one finding per front end, anchor and back end.
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       anchor_mailbox, backend_host, min(client_ip) AS client_ip, min(uri_stem) AS uri_stem, min(user_agent) AS user_agent
FROM resets
GROUP BY agency, host, anchor_mailbox, backend_host
