/* ---
id: 3a5b80eb-f670-4655-999d-088bd72f267d
name: "Published web-shell hash or file path present in a file hash inventory (MSTIC, Microsoft blog, FireEye, ESET, CISA)"
status: stable
severity: critical
cves: [CVE-2021-26858, CVE-2021-27065]
mitre: ["TA0003:T1505.003"]
log_families: [file_inventory]
key_fields: [path, match_type]
description: >
  File inventories (Get-FileHash | Export-Csv) checked against the indicators table: the hash (by its algorithm:
  SHA256, MD5, SHA1) equal to a hash indicator is critical; the full path equal to a file-path indicator (MSTIC's 42
  paths, case-insensitive) is high. One finding per file and match type.
why_severity: >
  A hash match is a confirmed copy of a published web shell or tool (critical); a path match alone is strong but a name
  can be reused (high). The finding names the indicator's source and description (the web shell, or ESET's group).
false_positives:
  - Researchers' sample copies on the server.
references:
  - https://github.com/Azure/Azure-Sentinel/blob/master/Sample%20Data/Feeds/MSTICIoCs-ExchangeServerVulnerabilitiesDisclosedMarch2021.csv
  - https://github.com/Neo23x0/signature-base/blob/master/iocs/hash-iocs.txt
  - https://github.com/eset/malware-ioc/tree/master/exchange_exploitation
  - https://www.fireeye.com/blog/threat-research/2021/03/detection-response-to-exploitation-of-microsoft-exchange-zero-day-vulnerabilities.html
  - https://us-cert.cisa.gov/ncas/alerts/aa21-062a
--- */
-- Stage 1: hashes as published; paths keyed by their install-independent part: what follows \FrontEnd\HttpProxy\,
-- \inetpub\wwwroot\ or \ClientAccess\ (Exchange and IIS are often on D:), else the whole path.
WITH ioc AS (
  SELECT type, value,
         CASE WHEN type <> 'filepath' THEN NULL
              WHEN strpos(lv, '\frontend\httpproxy\') > 0 THEN 'httpproxy:' || substr(lv, strpos(lv, '\frontend\httpproxy\') + 20)
              WHEN strpos(lv, '\inetpub\wwwroot\') > 0 THEN 'wwwroot:' || substr(lv, strpos(lv, '\inetpub\wwwroot\') + 17)
              WHEN strpos(lv, '\clientaccess\') > 0 THEN 'clientaccess:' || substr(lv, strpos(lv, '\clientaccess\') + 14)
              ELSE lv END AS path_key,
         min(source) AS indicator_source, min(description) AS indicator_description
  FROM (SELECT type, value, source, description, lower(value) AS lv FROM indicators WHERE type IN ('sha256', 'md5', 'sha1', 'filepath'))
  GROUP BY type, value, lv
),
files AS (
  -- A snapshot (Get-FileHash has no file times) is dated by its day: the day the inventory file was written.
  SELECT agency, host, coalesce(event_time, CAST(dt AS timestamp)) AS event_time, path, lower(path) AS p, lower(hash) AS h,
         CASE upper(replace(algorithm, '-', '')) WHEN 'SHA256' THEN 'sha256' WHEN 'MD5' THEN 'md5' WHEN 'SHA1' THEN 'sha1' END AS hash_type
  FROM file_inventory
  WHERE dt BETWEEN ? AND ?
),
keyed AS (
  SELECT *, CASE WHEN strpos(p, '\frontend\httpproxy\') > 0 THEN 'httpproxy:' || substr(p, strpos(p, '\frontend\httpproxy\') + 20)
                   WHEN strpos(p, '\inetpub\wwwroot\') > 0 THEN 'wwwroot:' || substr(p, strpos(p, '\inetpub\wwwroot\') + 17)
                   WHEN strpos(p, '\clientaccess\') > 0 THEN 'clientaccess:' || substr(p, strpos(p, '\clientaccess\') + 14)
                   ELSE p END AS path_key
  FROM files
),
matched AS (
  SELECT f.*, 'hash' AS match_type, i.value AS indicator, i.indicator_source, i.indicator_description
  FROM keyed f JOIN ioc i ON i.type = f.hash_type AND i.value = f.h
  UNION ALL
  SELECT f.*, 'path' AS match_type, i.value AS indicator, i.indicator_source, i.indicator_description
  FROM keyed f JOIN ioc i ON i.type = 'filepath' AND i.path_key = f.path_key
)
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       CASE WHEN match_type = 'hash' THEN 'critical' ELSE 'high' END AS severity,
       path, match_type, min(indicator) AS indicator, min(indicator_source) AS indicator_source,
       min(indicator_description) AS indicator_description, min(h) AS hash
FROM matched
GROUP BY agency, host, path, match_type
