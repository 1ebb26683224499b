/* ---
id: cbf6de27-369e-4a84-b44e-141be03706e3
name: "LSASS memory dump with Sysinternals ProcDump"
status: stable
severity: high
cves: []
mitre: ["TA0006:T1003.001"]
log_families: [evtx, winevent_json, winevent_csv, winevent_jsonl]
key_fields: [command_line]
description: >
  Process creation whose command line names procdump and lsass (Sentinel "Suspected LSASS Dump": has_all(procdump,
  lsass)); Splunk additionally requires -ma or -mm, reported as full_dump_switch. Also signature-base's artefact
  "lsass.exe C:\windows\temp\lsass". Renamed ProcDump binaries are caught through OriginalFileName when Sysmon logs it.
why_severity: >
  Sentinel and Splunk treat a ProcDump of LSASS as credential theft (high); administrators rarely dump LSASS.
false_positives:
  - Support cases where Microsoft asks for an LSASS dump.
references:
  - https://github.com/Azure/Azure-Sentinel/blob/master/Hunting%20Queries/SecurityEvent/SuspectedLSASSDump.yaml
  - https://github.com/splunk/security_content/blob/develop/detections/endpoint/dump_lsass_via_procdump.yml
  - https://github.com/Neo23x0/signature-base/blob/master/yara/apt_hafnium.yar
--- */
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       command_line, min(image) AS image,
       regexp_like(lower(command_line), '(^|\s)[-/]m[am](\s|$)') AS full_dump_switch
FROM windows_events
WHERE dt BETWEEN ? AND ?
  AND ((event_id = 1 AND strpos(lower(channel), 'sysmon') > 0) OR (event_id = 4688 AND lower(channel) = 'security'))
  AND strpos(lower(command_line), 'lsass') > 0
  AND (strpos(lower(command_line), 'procdump') > 0 OR lower(original_file_name) = 'procdump'
       OR strpos(lower(command_line), 'lsass.exe c:\windows\temp\lsass') > 0)
GROUP BY agency, host, command_line
