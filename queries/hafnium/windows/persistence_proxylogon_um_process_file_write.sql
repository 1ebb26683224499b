/* ---
id: 965e6752-b9aa-4a4c-ba6b-326b410c3f2c
name: "CVE-2021-26858: UMWorkerProcess.exe or UMService.exe writing unusual or web-script files"
status: stable
severity: high
cves: [CVE-2021-26858, CVE-2021-26857]
mitre: ["TA0003:T1505.003", "TA0001:T1190"]
log_families: [evtx, winevent_json, winevent_csv, winevent_jsonl]
key_fields: [target_filename]
description: >
  Two published forms of the Unified Messaging file write. (1) Microsoft blog Defender query and Sigma "CVE-2021-26858
  Exchange Exploitation" (high): a file created by UMWorkerProcess.exe that does not end in CacheCleanup.bin, .txt,
  .LOG, .cfg or cleanup.bin. (2) Sentinel "HAFNIUM UM Service writing suspicious file" (High): UMWorkerProcess.exe or
  UMService.exe writing a .php .jsp .js .aspx .asmx .asax .cfm or .shtml file (Sysmon 11, or Security 4663 with
  AccessMask with any of Sentinel's rights 0x2, 0x4, 0x10, 0x100, tested as bits since masks combine rights). The
  matching form is named in rule.
why_severity: >
  Both sources rate it high.
false_positives:
  - UM components writing new kinds of cache or log files after an update.
references:
  - https://www.microsoft.com/security/blog/2021/03/02/hafnium-targeting-exchange-servers/
  - https://github.com/SigmaHQ/sigma/tree/master/rules-emerging-threats/2021/Exploits/CVE-2021-26858
  - https://github.com/Azure/Azure-Sentinel/blob/master/Detections/MultipleDataSources/HAFNIUMUmServiceSuspiciousFile.yaml
  - https://github.com/elastic/detection-rules/blob/main/rules/windows/initial_access_suspicious_ms_exchange_files.toml
--- */
WITH writes AS (
  SELECT agency, host, event_time, image, target_filename, lower(target_filename) AS p,
         regexp_extract(lower(image), '[^\\]+$') AS writer
  FROM windows_events
  WHERE dt BETWEEN ? AND ?
    AND ((event_id = 11 AND strpos(lower(channel), 'sysmon') > 0)
         -- WriteData 0x2, AppendData 0x4, WriteEA 0x10, WriteAttributes 0x100 as bits: the last hex digit has bit 1 or 2
         -- set, or the second or third last digit is odd.
         OR (event_id = 4663 AND lower(channel) = 'security'
             AND regexp_like(lower(access_mask), '^0x[0-9a-f]*([2-7a-f]|[13579bdf][0-9a-f]|[13579bdf][0-9a-f]{2})$')))
    AND regexp_like(lower(image), '\\(umworkerprocess|umservice)\.exe$')
    AND target_filename IS NOT NULL
),
tagged AS (
  SELECT *,
         CASE WHEN regexp_like(p, '\.(php|jsp|js|aspx|asmx|asax|cfm|shtml)$') THEN 'sentinel_web_file'
              WHEN writer = 'umworkerprocess.exe'
                   AND NOT regexp_like(p, '(cachecleanup\.bin|\.txt|\.log|\.cfg|cleanup\.bin)$') THEN 'sigma_abnormal_content'
         END AS rule
  FROM writes
)
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       target_filename, rule, min(image) AS image
FROM tagged
WHERE rule IS NOT NULL
GROUP BY agency, host, target_filename, rule
