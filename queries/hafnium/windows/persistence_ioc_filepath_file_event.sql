/* ---
id: adb8d98b-8d19-48e9-bb3b-96c51600de13
name: "Published web-shell file path created or accessed (MSTIC paths in Sysmon 11, Security 4663 and 5145)"
status: stable
severity: high
cves: [CVE-2021-26858, CVE-2021-27065]
mitre: ["TA0003:T1505.003"]
log_families: [evtx, winevent_json, winevent_csv, winevent_jsonl]
key_fields: [file_path]
description: >
  File events whose path equals a file-path indicator (the MSTIC feed's 42 web-shell and tool paths), case-insensitively
  (Sentinel IoC rule: 4663 ObjectName and file events TargetFileName in file_paths). Share paths
  (\\127.0.0.1\C$\...) and \??\ prefixes are mapped back to drive paths before comparing. The indicators hold the
  default install path, so servers installed elsewhere only match the inetpub and Users\Public paths.
why_severity: >
  An exact published path is strong evidence (high); the names are not unique to the actor, so not critical without a
  hash.
false_positives:
  - A file with a published name created by someone testing detections.
references:
  - https://github.com/Azure/Azure-Sentinel/blob/master/Sample%20Data/Feeds/MSTICIoCs-ExchangeServerVulnerabilitiesDisclosedMarch2021.csv
  - https://github.com/Azure/Azure-Sentinel/blob/master/Solutions/Legacy%20IOC%20based%20Threat%20Protection/Analytic%20Rules/ExchangeServerVulnerabilitiesMarch2021IoCs.yaml
--- */
-- Stage 1: indicator paths keyed by their install-independent part: what follows \FrontEnd\HttpProxy\,
-- \inetpub\wwwroot\ or \ClientAccess\ (Exchange and IIS are often on D:), else the whole path.
WITH ioc AS (
  SELECT path_key, min(value) AS value, min(indicator_source) AS indicator_source
  FROM (SELECT value, source AS indicator_source,
               CASE WHEN strpos(lv, '\frontend\httpproxy\') > 0 THEN 'httpproxy:' || substr(lv, strpos(lv, '\frontend\httpproxy\') + 20)
                 WHEN strpos(lv, '\inetpub\wwwroot\') > 0 THEN 'wwwroot:' || substr(lv, strpos(lv, '\inetpub\wwwroot\') + 17)
                 WHEN strpos(lv, '\clientaccess\') > 0 THEN 'clientaccess:' || substr(lv, strpos(lv, '\clientaccess\') + 14)
                 ELSE lv END AS path_key
        FROM (SELECT value, source, lower(value) AS lv FROM indicators WHERE type = 'filepath'))
  GROUP BY path_key
),
ev AS (
  SELECT agency, host, event_time, event_id, image, lower(target_filename) AS p
  FROM windows_events
  WHERE dt BETWEEN ? AND ?
    AND ((event_id = 11 AND strpos(lower(channel), 'sysmon') > 0)
         OR (event_id IN (4663, 5145) AND lower(channel) = 'security'))
    AND target_filename IS NOT NULL
),
norm AS (
  SELECT *, CASE WHEN strpos(p, '\??\') = 1 THEN substr(p, 5)
                 WHEN strpos(p, '\\') = 1 AND strpos(p, '$\') > 0
                   THEN substr(p, strpos(p, '$\') - 1, 1) || ':' || substr(p, strpos(p, '$\') + 1)
                 ELSE p END AS file_path
  FROM ev
),
-- Stage 2: the same key on the event's path.
keyed AS (
  SELECT *, CASE WHEN strpos(file_path, '\frontend\httpproxy\') > 0 THEN 'httpproxy:' || substr(file_path, strpos(file_path, '\frontend\httpproxy\') + 20)
                   WHEN strpos(file_path, '\inetpub\wwwroot\') > 0 THEN 'wwwroot:' || substr(file_path, strpos(file_path, '\inetpub\wwwroot\') + 17)
                   WHEN strpos(file_path, '\clientaccess\') > 0 THEN 'clientaccess:' || substr(file_path, strpos(file_path, '\clientaccess\') + 14)
                   ELSE file_path END AS path_key
  FROM norm
)
SELECT n.agency, n.host, min(n.event_time) AS first_seen, max(n.event_time) AS last_seen, count(*) AS hits,
       n.file_path, min(n.image) AS image, min(n.event_id) AS event_id, min(i.value) AS indicator,
       min(i.indicator_source) AS indicator_source
FROM keyed n
JOIN ioc i ON n.path_key = i.path_key
GROUP BY n.agency, n.host, n.file_path
