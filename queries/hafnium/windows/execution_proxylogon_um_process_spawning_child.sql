/* ---
id: 91416803-a52b-49b5-ba72-6b60de04ec24
name: "CVE-2021-26857: UMWorkerProcess.exe or UMService.exe spawning a process other than error reporting"
status: stable
severity: high
cves: [CVE-2021-26857]
mitre: ["TA0002:T1059", "TA0001:T1190"]
log_families: [evtx, winevent_json, winevent_csv, winevent_jsonl]
key_fields: [parent_image, image]
description: >
  Process creation (Sysmon 1 or Security 4688) whose parent is UMWorkerProcess.exe (Microsoft blog Defender query,
  Sigma "Potential CVE-2021-26857 Exploitation Attempt", high) or UMService.exe (Elastic "UM Spawning Suspicious
  Processes", medium), except Windows error reporting (wermgr.exe, WerFault.exe) and UMWorkerProcess.exe started by
  UMService.exe from Exchange's own Bin folder.
why_severity: >
  Sigma rates the UMWorkerProcess parent high (stable rule); Elastic's wider UMService.exe parent is medium (47), so
  rows with that parent are medium.
false_positives:
  - Exchange updates or diagnostics run under the UM service.
references:
  - https://www.microsoft.com/security/blog/2021/03/02/hafnium-targeting-exchange-servers/
  - https://github.com/SigmaHQ/sigma/tree/master/rules-emerging-threats/2021/Exploits/CVE-2021-26857
  - https://github.com/elastic/detection-rules/blob/main/rules/windows/initial_access_suspicious_ms_exchange_worker_child_process.toml
  - https://github.com/Azure/Azure-Sentinel/blob/master/Detections/SecurityEvent/HAFNIUMNewUMServiceChildProcess.yaml
--- */
WITH procs AS (
  SELECT agency, host, event_time, image, command_line, parent_image,
         regexp_extract(lower(image), '[^\\]+$') AS child, regexp_extract(lower(parent_image), '[^\\]+$') AS parent
  FROM windows_events
  WHERE dt BETWEEN ? AND ?
    AND ((event_id = 1 AND strpos(lower(channel), 'sysmon') > 0) OR (event_id = 4688 AND lower(channel) = 'security'))
    AND regexp_like(lower(parent_image), '\\(umworkerprocess|umservice)\.exe$')
)
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       CASE WHEN parent = 'umworkerprocess.exe' THEN 'high' ELSE 'medium' END AS severity,
       parent_image, image, min(command_line) AS command_line
FROM procs
WHERE child NOT IN ('wermgr.exe', 'werfault.exe')
  -- UMService starting its own worker from Exchange's Bin folder is normal (Elastic exclusion).
  AND NOT (child = 'umworkerprocess.exe' AND strpos(lower(image), '\bin\umworkerprocess.exe') > 0)
GROUP BY agency, host, parent_image, image, parent
