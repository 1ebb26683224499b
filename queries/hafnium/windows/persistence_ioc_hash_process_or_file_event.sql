/* ---
id: f2a8457b-fca0-4418-8ab6-78452daa6875
name: "Published web-shell or tool hash in Sysmon Hashes (MSTIC, Microsoft blog, FireEye, ESET, CISA)"
status: stable
severity: critical
cves: [CVE-2021-26858, CVE-2021-27065]
mitre: ["TA0003:T1505.003"]
log_families: [evtx, winevent_json, winevent_csv, winevent_jsonl]
key_fields: [matched_hash]
description: >
  Sysmon events carrying Hashes (process creation, file create stream hash, image load) whose SHA256, MD5 or SHA1 part
  equals a hash indicator: MSTIC's 14 web-shell SHA-256, the Microsoft blog's 8, FireEye's web-shell MD5s, ESET's
  samples, the web shells of CISA AA21-062A's malware analysis reports. One finding per matched hash (a file whose SHA-256 and MD5 are both listed gives two). The Sentinel IoC rule parsed Sysmon Hashes for SHA256= the same way. Hashes come from the indicators table.
why_severity: >
  An exact hash of a published web shell or tool is a confirmed match (the brief's red class).
false_positives:
  - "None expected for exact hashes. The feeds date from March 2021, so an absence proves little."
references:
  - https://github.com/Azure/Azure-Sentinel/blob/master/Sample%20Data/Feeds/MSTICIoCs-ExchangeServerVulnerabilitiesDisclosedMarch2021.csv
  - https://github.com/Azure/Azure-Sentinel/blob/master/Solutions/Legacy%20IOC%20based%20Threat%20Protection/Analytic%20Rules/ExchangeServerVulnerabilitiesMarch2021IoCs.yaml
  - https://github.com/Neo23x0/signature-base/blob/master/iocs/hash-iocs.txt
  - https://github.com/eset/malware-ioc/tree/master/exchange_exploitation
  - https://us-cert.cisa.gov/ncas/alerts/aa21-062a
--- */
-- Stage 1: one row per hash indicator.
WITH ioc AS (
  SELECT type, value, min(source) AS indicator_source, count(DISTINCT source) AS indicator_source_count,
         min(description) AS indicator_description
  FROM indicators WHERE type IN ('sha256', 'md5', 'sha1') GROUP BY type, value
),
-- Stage 2: the three hash kinds of the Sysmon Hashes value (sha256 is also promoted by the parser).
ev AS (
  SELECT agency, host, event_time, event_id, image, target_filename,
         coalesce(sha256, lower(regexp_extract(hashes, '(?i)SHA256=([0-9a-f]{64})', 1))) AS h_sha256,
         lower(regexp_extract(hashes, '(?i)MD5=([0-9a-f]{32})', 1)) AS h_md5,
         lower(regexp_extract(hashes, '(?i)SHA1=([0-9a-f]{40})', 1)) AS h_sha1
  FROM windows_events
  WHERE dt BETWEEN ? AND ?
    AND (hashes IS NOT NULL OR sha256 IS NOT NULL)
)
SELECT e.agency, e.host, min(e.event_time) AS first_seen, max(e.event_time) AS last_seen, count(*) AS hits,
       i.value AS matched_hash, i.type AS hash_type, min(e.image) AS image, min(e.target_filename) AS target_filename,
       min(i.indicator_source) AS indicator_source, max(i.indicator_source_count) AS indicator_source_count,
       min(i.indicator_description) AS indicator_description
FROM ev e
JOIN ioc i ON (i.type = 'sha256' AND e.h_sha256 = i.value) OR (i.type = 'md5' AND e.h_md5 = i.value)
           OR (i.type = 'sha1' AND e.h_sha1 = i.value)
GROUP BY e.agency, e.host, i.value, i.type
