/* ---
id: 934a7b42-1743-4a90-80f7-986f4b1226b6
name: "ProxyLogon SSRF: ServerInfo~ anchor with empty AuthenticatedUser (Microsoft blog / Test-ProxyLogon 2021-03-08 rule)"
status: stable
severity: low
cves: [CVE-2021-26855]
mitre: ["TA0001:T1190"]
log_families: [httpproxy]
key_fields: [anchor_mailbox, client_ip]
variant_of: 0b6c8f4e-2d1a-4c57-9a0e-6f3b1d2a7c41
description: >
  The Microsoft blog's wording of the CVE-2021-26855 check, as Test-ProxyLogon ran it from 2021-03-08 to 2021-03-11
  (commit 2f4f76f "Match blog command"): AuthenticatedUser is empty and AnchorMailbox matches ServerInfo~<x>/<path>,
  with no exclusion for autodiscover-only or localhost anchors. Kept so that results can be compared with reports
  produced by that version and by the blog command.
why_severity: >
  Superseded: commit 19778cd dropped the empty-user condition and PR #306 added the autodiscover/localhost exclusions
  because of false positives (failed attempts, Microsoft's NSE checker). The current rule is the critical variant;
  this one stays low so that the NSE checker on a clean server produces nothing at medium or above.
false_positives:
  - Microsoft's nmap NSE checker (ServerInfo~localhost anchors) and failed autodiscover-only attempts.
references:
  - https://www.microsoft.com/security/blog/2021/03/02/hafnium-targeting-exchange-servers/
  - https://github.com/microsoft/CSS-Exchange/blob/main/Security/src/Test-ProxyLogon.ps1
  - https://github.com/microsoft/CSS-Exchange/pull/306
--- */
-- The blog's "AuthenticatedUser is empty": null after normalization ("-" and "" become null).
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       anchor_mailbox, client_ip
FROM web_requests
WHERE dt BETWEEN ? AND ?
  AND lower(anchor_mailbox) LIKE 'serverinfo~%/%'
  AND (username IS NULL OR username = '')
GROUP BY agency, host, anchor_mailbox, client_ip
