/* ---
id: 9d7c74a6-b217-400c-94f3-99895ee303b4
name: "LSASS memory dump through comsvcs.dll MiniDump (rundll32)"
status: stable
severity: high
cves: []
mitre: ["TA0006:T1003.001"]
log_families: [evtx, winevent_json, winevent_csv, winevent_jsonl]
key_fields: [command_line]
description: >
  Process creation whose command line names comsvcs and a full dump (Sigma "Process Memory Dump Via Comsvcs.DLL":
  comsvcs + full + MiniDump or the ordinal forms #24, #+24, #-, #65560; Sentinel and Splunk: comsvcs + MiniDump).
  Volexity saw "rundll32 C:\windows\system32\comsvcs.dll MiniDump <pid> lsass.dmp full" after ProxyLogon. Rows that
  write the dump under \inetpub\wwwroot (HAFNIUM, Sigma critical) are raised to critical.
why_severity: >
  Sigma high; the HAFNIUM form (dump into the web root) is part of Sigma's critical HAFNIUM rule.
false_positives:
  - None expected; comsvcs MiniDump is not used by administrators.
references:
  - https://github.com/SigmaHQ/sigma/blob/master/rules/windows/process_creation/proc_creation_win_rundll32_process_dump_via_comsvcs.yml
  - https://github.com/Azure/Azure-Sentinel/blob/master/Hunting%20Queries/SecurityEvent/SuspectedLSASSDump.yaml
  - https://github.com/splunk/security_content/blob/develop/detections/endpoint/dump_lsass_via_comsvcs_dll.yml
  - https://www.volexity.com/blog/2021/03/02/active-exploitation-of-microsoft-exchange-zero-day-vulnerabilities/
--- */
WITH procs AS (
  SELECT agency, host, event_time, image, parent_image, command_line, lower(command_line) AS cl
  FROM windows_events
  WHERE dt BETWEEN ? AND ?
    AND ((event_id = 1 AND strpos(lower(channel), 'sysmon') > 0) OR (event_id = 4688 AND lower(channel) = 'security'))
    AND strpos(lower(command_line), 'comsvcs') > 0
)
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       CASE WHEN strpos(cl, '\inetpub\wwwroot') > 0 THEN 'critical' ELSE 'high' END AS severity,
       command_line, min(image) AS image, min(parent_image) AS parent_image
FROM procs
WHERE (strpos(cl, 'minidump') > 0 AND (strpos(cl, 'full') > 0 OR strpos(cl, 'lsass') > 0))
   OR (strpos(cl, 'full') > 0 AND regexp_like(cl, '#(\+|-)?0*24\b|#65560|#-|#\+'))
GROUP BY agency, host, command_line, cl
