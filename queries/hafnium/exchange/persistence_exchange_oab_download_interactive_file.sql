/* ---
id: ef277b67-3045-49de-8bae-46d00d77dc18
name: "OABGenerator failed download of an interactive web file (.aspx, .asmx, .php, ...) (Sentinel HAFNIUM Suspicious File Downloads)"
status: stable
severity: medium
cves: [CVE-2021-26858]
mitre: ["TA0003:T1505.003"]
log_families: [oab_generator]
key_fields: [download_path]
variant_of: f89fe478-c5d9-4563-ada3-2eecc0759afa
description: >
  The Microsoft blog's Sentinel query "HAFNIUM Suspicious File Downloads": a "Download failed and temporary file" line
  whose path ends in an interactive file extension (.php .jsp .js .aspx .asmx .asax .cfm .shtml), wherever the path is.
why_severity: >
  Sentinel rates it Medium. The Test-ProxyLogon path rule (high, critical with these extensions outside the OAB folder)
  is the stronger signal; this one also catches web files inside the OAB folder.
false_positives:
  - None documented.
references:
  - https://www.microsoft.com/security/blog/2021/03/02/hafnium-targeting-exchange-servers/
--- */
WITH downloads AS (
  SELECT agency, host, event_time,
         regexp_extract(message, '(?i)download failed and temporary file (.*?) needs to be removed', 1) AS download_path
  FROM exchange_logs
  WHERE dt BETWEEN ? AND ?
    AND strpos(lower(message), 'download failed and temporary file') > 0
)
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits, download_path
FROM downloads
WHERE regexp_like(lower(download_path), '\.(php|jsp|js|aspx|asmx|asax|cfm|shtml)[''"]?$')
GROUP BY agency, host, download_path
