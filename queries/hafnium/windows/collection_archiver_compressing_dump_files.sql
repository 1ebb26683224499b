/* ---
id: 332d4712-ac31-47de-a821-a1d1d5eae669
name: "7-Zip or RAR compressing memory dump files (.dmp, .dump, .hdmp)"
status: stable
severity: medium
cves: []
mitre: ["TA0009:T1560.001", "TA0006:T1003.001"]
log_families: [evtx, winevent_json, winevent_csv, winevent_jsonl]
key_fields: [command_line]
description: >
  Sigma's 7-Zip and WinRAR rules: an archiver (7z.exe, 7za.exe, 7zr.exe, rar.exe, winrar.exe, or their
  OriginalFileName) whose command line contains .dmp, .dump or .hdmp: packing an LSASS dump for exfiltration. Volexity
  lists the WinRAR command-line utility for exfiltration and FireEye 7-Zip compression.
why_severity: >
  Sigma rates both rules medium: administrators also compress crash dumps for support cases.
false_positives:
  - Support staff compressing crash dumps for Microsoft.
references:
  - https://github.com/SigmaHQ/sigma/blob/master/rules/windows/process_creation/proc_creation_win_7zip_exfil_dmp_files.yml
  - https://github.com/SigmaHQ/sigma/blob/master/rules/windows/process_creation/proc_creation_win_winrar_exfil_dmp_files.yml
  - https://www.volexity.com/blog/2021/03/02/active-exploitation-of-microsoft-exchange-zero-day-vulnerabilities/
--- */
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       command_line, min(image) AS image
FROM windows_events
WHERE dt BETWEEN ? AND ?
  AND ((event_id = 1 AND strpos(lower(channel), 'sysmon') > 0) OR (event_id = 4688 AND lower(channel) = 'security'))
  AND (regexp_like(lower(image), '\\(7z|7za|7zr|rar|winrar)\.exe$')
       OR lower(original_file_name) IN ('7z.exe', '7za.exe', '7zr.exe', 'rar.exe', 'winrar.exe'))
  AND regexp_like(lower(command_line), '\.(dmp|dump|hdmp)\b')
GROUP BY agency, host, command_line
