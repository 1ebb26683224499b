/* ---
id: 4e2e50c0-d30b-4fa7-8abe-b8108f1c21da
name: "Any OABGenerator 'Download failed and temporary file' line (Microsoft blog findstr, first Test-Hafnium form)"
status: stable
severity: info
cves: [CVE-2021-26858]
mitre: ["TA0003:T1505.003"]
log_families: [oab_generator]
key_fields: [download_path]
variant_of: f89fe478-c5d9-4563-ada3-2eecc0759afa
description: >
  The Microsoft blog's findstr /snip /c:"Download failed and temporary file" over OABGeneratorLog\*.log, as the first
  Test-Hafnium.ps1 ran it. Every such line is listed, with the path, for review.
why_severity: >
  Noisy: failed downloads into ClientAccess\OAB\Temp happen on healthy servers. Test-ProxyLogon refined it to paths
  outside ClientAccess\OAB (the high/critical variant).
false_positives:
  - Normal failed OAB downloads into ClientAccess\OAB\Temp.
references:
  - https://www.microsoft.com/security/blog/2021/03/02/hafnium-targeting-exchange-servers/
  - https://github.com/microsoft/CSS-Exchange/blob/main/Security/src/Test-ProxyLogon.ps1
--- */
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       regexp_extract(message, '(?i)download failed and temporary file (.*?) needs to be removed', 1) AS download_path,
       min(source_file) AS source_file
FROM exchange_logs
WHERE dt BETWEEN ? AND ?
  AND strpos(lower(message), 'download failed and temporary file') > 0
GROUP BY agency, host, regexp_extract(message, '(?i)download failed and temporary file (.*?) needs to be removed', 1)
