/* ---
id: c30e7ac1-7a11-4e32-9307-e11dba69a54b
name: "Any Set-*VirtualDirectory in the ECP Server log (Microsoft blog, first Test-Hafnium form)"
status: stable
severity: info
cves: [CVE-2021-27065]
mitre: ["TA0003:T1505.003"]
log_families: [ecp_server]
key_fields: [cmd]
variant_of: 231a5951-5194-4cfb-9fbe-53b92ffb60b3
description: >
  The unrefined CVE-2021-27065 check of the Microsoft blog and the first Test-Hafnium.ps1: any ECP Server log line
  matching Set-.+VirtualDirectory. Lines that also match the refined rule (a tag in a URL parameter) are left to that
  critical hunt. Listed for review: the blog's guidance is that Set-<App>VirtualDirectory properties should never
  contain script and InternalUrl/ExternalUrl should only be valid URIs.
why_severity: >
  Administrators legitimately run Set-*VirtualDirectory; Test-ProxyLogon stopped reporting these in PR #386 because of
  false positives, so they are informational.
false_positives:
  - Administrators changing virtual directory URLs or authentication settings through ECP.
references:
  - https://www.microsoft.com/security/blog/2021/03/02/hafnium-targeting-exchange-servers/
  - https://github.com/microsoft/CSS-Exchange/pull/386
--- */
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       cmd, min(url) AS url, min(user_sid) AS user_sid
FROM exchange_logs
WHERE dt BETWEEN ? AND ?
  AND regexp_like(message, '(?i)set-.+virtualdirectory')
  -- The refined (critical) rule's lines are that hunt's findings.
  AND NOT regexp_like(message, '(?i)set-.+virtualdirectory.+url.+<\w+.*>.*</\w+>.+virtualdirectory')
GROUP BY agency, host, cmd
