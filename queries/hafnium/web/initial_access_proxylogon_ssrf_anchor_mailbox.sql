/* ---
id: 0b6c8f4e-2d1a-4c57-9a0e-6f3b1d2a7c41
name: "ProxyLogon SSRF: ServerInfo~ AnchorMailbox in HttpProxy logs (Test-ProxyLogon current rule)"
status: stable
severity: critical
cves: [CVE-2021-26855]
mitre: ["TA0001:T1190"]
log_families: [httpproxy]
key_fields: [anchor_mailbox, client_ip]
description: >
  CVE-2021-26855 server-side request forgery: the front-end proxy logged an AnchorMailbox of the form
  ServerInfo~<x>/<path>, which routes an unauthenticated request to an arbitrary back-end URL. This is Test-ProxyLogon's
  current rule (since PR #306, 2021-03-11): a ServerInfo~<x>/<path> anchor that is neither autodiscover-only nor localhost.
  The two excluded forms are still reported, at info: autodiscover-only hits are exploit attempts that failed for lack
  of a valid mailbox, localhost hits come from Microsoft's own nmap NSE checker (PR #306, issue #312 asked to keep
  them visible).
why_severity: >
  Test-ProxyLogon reports the rule in red ("[CVE-2021-26855] Suspicious activity found in Http Proxy log!"); the
  excluded forms are kept at info as issue #312 asked, because they are not a successful exploitation.
false_positives:
  - Vulnerability scanners other than the NSE checker that send ServerInfo~ cookies to a patched server (they still
    show the SSRF was attempted; check HttpStatus and what followed).
references:
  - https://github.com/microsoft/CSS-Exchange/blob/main/Security/src/Test-ProxyLogon.ps1
  - https://github.com/microsoft/CSS-Exchange/pull/306
  - https://github.com/microsoft/CSS-Exchange/issues/312
  - https://github.com/microsoft/CSS-Exchange/issues/100
  - https://www.microsoft.com/security/blog/2021/03/02/hafnium-targeting-exchange-servers/
runbook: |
  1. Read the anchor's path: /ecp/proxyLogon.ecp and DDIService SetObject on the OAB virtual directory mean the full
     chain was run (CVE-2021-27065 follows); mapi/emsmdb leaks the legacy DN.
  2. Look for web-shell files written around first_seen (aspnet_client, owa\auth, OAB) and w3wp.exe children.
  3. Block the client IP, collect the HttpProxy, ECP and OABGenerator logs, and follow the CSS-Exchange guidance.
--- */
-- Stage 1: SSRF anchors. PowerShell -like is case-insensitive, hence lower(); 'ServerInfo~*/*' as LIKE.
WITH ssrf AS (
  SELECT agency, host, event_time, anchor_mailbox, client_ip, uri_stem, status,
         CASE
           -- Excluded by TPL (PR #306): failed attempts without a valid mailbox address.
           WHEN lower(anchor_mailbox) LIKE 'serverinfo~%/autodiscover%' THEN 'info'
           -- Excluded by TPL (PR #306): Microsoft's nmap NSE checker uses localhost.
           WHEN lower(anchor_mailbox) LIKE 'serverinfo~localhost%/%' THEN 'info'
           ELSE 'critical'
         END AS severity
  FROM web_requests
  WHERE dt BETWEEN ? AND ?
    AND strpos(lower(anchor_mailbox), 'serverinfo~') = 1
    AND lower(anchor_mailbox) LIKE 'serverinfo~%/%'
)
-- Stage 2: one finding per host, anchor (the back-end URL reached) and client: separate incidents stay separate.
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       severity, anchor_mailbox,
       client_ip,
       min(uri_stem) AS uri_stem, max(status) AS max_status
FROM ssrf
GROUP BY agency, host, severity, anchor_mailbox, client_ip
