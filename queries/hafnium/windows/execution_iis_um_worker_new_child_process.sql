/* ---
id: aefb7e41-00df-449d-9d3a-e260d8069b49
name: "New child process of w3wp.exe, UMWorkerProcess.exe or UMService.exe not seen in the previous 13 days (Sentinel baselines)"
status: experimental
severity: low
cves: [CVE-2021-26857, CVE-2021-26858, CVE-2021-27065]
mitre: ["TA0002:T1059", "TA0003:T1505.003"]
log_families: [evtx, winevent_json, winevent_csv, winevent_jsonl]
key_fields: [parent_name, child_image]
description: >
  Sentinel's baseline hunts: "New Child Process of W3WP.exe" (hunting; a host and child process pair not seen in the
  prior 13 days) and "HAFNIUM New UM Service Child Process" (Medium; 14-day lookback, 1-day window). Here the baseline
  is the uploaded process-creation data itself: a child image whose first appearance under these parents on a host comes
  at least 13 days after that host's process data starts. Children first seen in the first 13 days of a host's data
  have no baseline to be judged against; they are not hidden (Sysmon installed near a compromise sees the web shell's
  children exactly then) but reported one level lower, with baseline 'none'. UM parents are raised to medium, as
  Sentinel rates them.
why_severity: >
  Anomaly, not signature: low for w3wp (web applications change), medium for the UM service (Sentinel Medium); without
  13 days of baseline, info for w3wp and low for the UM service.
false_positives:
  - New software or Exchange updates changing what the worker processes start.
references:
  - https://github.com/Azure/Azure-Sentinel/blob/master/Hunting%20Queries/SecurityEvent/NewChildProcessOfW3WP.yaml
  - https://github.com/Azure/Azure-Sentinel/blob/master/Detections/SecurityEvent/HAFNIUMNewUMServiceChildProcess.yaml
--- */
-- Stage 1: process creations, and where each host's process data starts.
WITH procs AS (
  SELECT agency, host, event_time, lower(image) AS child_image, regexp_extract(lower(parent_image), '[^\\]+$') AS parent_name
  FROM windows_events
  WHERE dt BETWEEN ? AND ?
    AND ((event_id = 1 AND strpos(lower(channel), 'sysmon') > 0) OR (event_id = 4688 AND lower(channel) = 'security'))
),
starts AS (
  SELECT agency, host, min(event_time) AS data_start FROM procs GROUP BY agency, host
),
-- Stage 2: first appearance of each child image under the worker processes.
firsts AS (
  SELECT agency, host, parent_name, child_image, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits
  FROM procs
  WHERE parent_name IN ('w3wp.exe', 'umworkerprocess.exe', 'umservice.exe')
  GROUP BY agency, host, parent_name, child_image
)
-- Stage 3: 13 days of history before the first appearance (Sentinel: prior 13 days) makes a judged "new" child;
-- earlier first appearances are reported one level lower instead of being hidden.
SELECT f.agency, f.host, f.first_seen, f.last_seen, f.hits,
       CASE WHEN f.first_seen >= s.data_start + INTERVAL '13' DAY
            THEN CASE WHEN f.parent_name = 'w3wp.exe' THEN 'low' ELSE 'medium' END
            ELSE CASE WHEN f.parent_name = 'w3wp.exe' THEN 'info' ELSE 'low' END
       END AS severity,
       f.parent_name, f.child_image,
       CASE WHEN f.first_seen >= s.data_start + INTERVAL '13' DAY THEN '13 days' ELSE 'none' END AS baseline
FROM firsts f
JOIN starts s ON s.agency = f.agency AND s.host = f.host
