/* ---
id: f89fe478-c5d9-4563-ada3-2eecc0759afa
name: "CVE-2021-26858: OABGenerator download to a temporary file outside ClientAccess\\OAB (Test-ProxyLogon)"
status: stable
severity: high
cves: [CVE-2021-26858]
mitre: ["TA0003:T1505.003", "TA0001:T1190"]
log_families: [oab_generator]
key_fields: [download_path]
description: >
  Test-ProxyLogon's current CVE-2021-26858 rule (PR #386): the OABGeneratorLog line "Download failed and temporary file
  <path> needs to be removed" where <path> is not under <install>\ClientAccess\OAB (legitimate downloads only go to
  ClientAccess\OAB\Temp, per the Microsoft blog). The install path is not known to the lake, so any path that does not
  contain \ClientAccess\OAB\, or that climbs out of it with \..\, is reported. Paths ending in an interactive web
  extension (.aspx, .asmx, .asax, .php, .jsp, .js, .cfm, .shtml) are raised to critical: that is a web shell being
  written.
why_severity: >
  Test-ProxyLogon reports it in red ("WebShells possibly downloaded in file system"); an interactive extension makes
  it a web-shell write.
false_positives:
  - An OAB generation folder moved to a non-standard location (check the path).
references:
  - https://github.com/microsoft/CSS-Exchange/blob/main/Security/src/Test-ProxyLogon.ps1
  - https://github.com/microsoft/CSS-Exchange/pull/386
  - https://www.microsoft.com/security/blog/2021/03/02/hafnium-targeting-exchange-servers/
--- */
-- Stage 1: the path TPL captures (quotes included, as logged).
WITH downloads AS (
  SELECT agency, host, event_time, source_file,
         regexp_extract(message, '(?i)download failed and temporary file (.*?) needs to be removed', 1) AS download_path
  FROM exchange_logs
  WHERE dt BETWEEN ? AND ?
    AND strpos(lower(message), 'download failed and temporary file') > 0
)
-- Stage 2: outside ClientAccess\OAB (or escaping it with ..), with the web-shell extensions raised.
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       CASE WHEN regexp_like(lower(download_path), '\.(aspx|asmx|asax|php|jsp|js|cfm|shtml)[''"]?$') THEN 'critical'
            ELSE 'high' END AS severity,
       download_path, min(source_file) AS source_file
FROM downloads
WHERE download_path IS NOT NULL
  AND (strpos(lower(download_path), '\clientaccess\oab\') = 0 OR strpos(download_path, '\..\') > 0)
GROUP BY agency, host, download_path
