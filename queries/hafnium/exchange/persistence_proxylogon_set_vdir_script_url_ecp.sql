/* ---
id: 231a5951-5194-4cfb-9fbe-53b92ffb60b3
name: "CVE-2021-27065: Set-*VirtualDirectory with an HTML/script tag in a URL parameter in the ECP Server log (Test-ProxyLogon)"
status: stable
severity: critical
cves: [CVE-2021-27065]
mitre: ["TA0003:T1505.003", "TA0002:T1059"]
log_families: [ecp_server]
key_fields: [cmd]
description: >
  Test-ProxyLogon's current CVE-2021-27065 rule (PR #386, "only if the url is invalid"): an ECP Server log line with a
  Set-<App>VirtualDirectory command whose *Url parameter holds an element such as <script ...>...</script>, followed by
  a later VirtualDirectory token (the S:URL .../SetObject?schema=OABVirtualDirectory). The attacker stores a China
  Chopper one-liner in the OAB virtual directory's ExternalUrl, then resets the directory to write it to a file.
  Admins setting valid URLs do not match.
why_severity: >
  Test-ProxyLogon reports it in red ("[CVE-2021-27065] Suspicious activity found in ECP logs!"): valid URLs never
  contain markup.
false_positives:
  - None known; a URL with markup is never a valid Exchange URL.
references:
  - https://github.com/microsoft/CSS-Exchange/blob/main/Security/src/Test-ProxyLogon.ps1
  - https://github.com/microsoft/CSS-Exchange/pull/386
  - https://www.microsoft.com/security/blog/2021/03/02/hafnium-targeting-exchange-servers/
runbook: |
  1. Read the cmd: the ExternalUrl/InternalUrl value is the web shell's code.
  2. Find the Reset-/SetObject ResetOABVirtualDirectory that wrote it to disk, and the file path chosen.
  3. Check the OAB virtual directory's current attributes; reset them to valid URLs after collecting evidence.
--- */
-- TPL: 'Set-.+VirtualDirectory.+?(?=Url).+<\w+.*>(.*?)<\/\w+>.+?(?=VirtualDirectory)', case-insensitive.
-- Without lookahead: 'url' then a tag pair, then a later 'virtualdirectory' (same meaning, RE2-safe).
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       cmd, min(url) AS url, min(user_sid) AS user_sid, min(source_file) AS source_file
FROM exchange_logs
WHERE dt BETWEEN ? AND ?
  AND strpos(lower(message), 'virtualdirectory') > 0
  AND regexp_like(message, '(?i)set-.+virtualdirectory.+url.+<\w+.*>.*</\w+>.+virtualdirectory')
GROUP BY agency, host, cmd
