/* ---
id: 20be44cb-2852-4ee7-a1d8-cf046e53cb5b
name: "ProxyLogon SSRF: BackEndCookie Server~<x>/<path>~ in HttpProxy logs (Microsoft blog command)"
status: test
severity: low
cves: [CVE-2021-26855]
mitre: ["TA0001:T1190"]
log_families: [httpproxy]
key_fields: [backend_cookie]
variant_of: 0b6c8f4e-2d1a-4c57-9a0e-6f3b1d2a7c41
description: >
  The second half of the Microsoft blog's PowerShell command: BackEndCookie like 'Server~<x>/<path>~<y>', the
  X-BackEndCookie form of the CVE-2021-26855 SSRF. Test-ProxyLogon dropped this half (issue #310 "CVE-2021-26855 No
  longer detected"); only rows whose AnchorMailbox is not already a ServerInfo~ SSRF are reported here (those are the
  critical rule's findings).
why_severity: >
  Lower confidence than the AnchorMailbox rule (the spec suggests a separate, lower-confidence rule): legitimate
  BackEndCookie values are Server~<fqdn>~<version>~<expiry> without a path, but no published false-positive study
  exists, so the hit is amber (low) rather than red.
false_positives:
  - Unusual back-end cookie values written by load balancers or proxies rewriting cookies.
references:
  - https://www.microsoft.com/security/blog/2021/03/02/hafnium-targeting-exchange-servers/
  - https://github.com/SCS-Labs/HAFNIUM-Microsoft-Exchange-0day/blob/main/indicators/README.md
  - https://github.com/microsoft/CSS-Exchange/issues/310
--- */
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       backend_cookie, min(anchor_mailbox) AS anchor_mailbox, min(client_ip) AS client_ip, min(uri_stem) AS uri_stem
FROM web_requests
WHERE dt BETWEEN ? AND ?
  -- 'Server~*/*~*': a path inside the server part, then another ~ field.
  AND lower(backend_cookie) LIKE 'server~%/%~%'
  AND NOT coalesce(lower(anchor_mailbox) LIKE 'serverinfo~%/%', false)
GROUP BY agency, host, backend_cookie
