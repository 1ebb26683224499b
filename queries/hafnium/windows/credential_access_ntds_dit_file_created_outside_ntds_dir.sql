/* ---
id: c6101b5b-f9d2-458e-bc09-7e022a300b81
name: "File named ntds.dit created outside \\Windows\\NTDS\\ (a copy of the AD database), or NTDS export tool output"
status: experimental
severity: high
cves: []
mitre: ["TA0006:T1003.003"]
log_families: [evtx, winevent_json, winevent_csv, winevent_jsonl]
key_fields: [target_filename]
description: >
  Volexity saw the ProxyLogon operators steal copies of NTDS.DIT. Sysmon file-creation events (11) for a file named
  ntds.dit anywhere but the database folder of a domain controller (\Windows\NTDS\) and not written by lsass.exe (the
  directory service itself): the output of ntdsutil IFM ("<dir>\Active Directory\ntds.dit"), of a copy out of a shadow
  copy or of esentutl (Sigma "NTDS.DIT Created", "NTDS.DIT Creation By Uncommon Process"). Also the file names of NTDS
  export tools (Sigma "NTDS Exfiltration Filename Patterns": \All.cab of Metasploit's NTDSgrab, *.ntds.cleartext of
  secretsdump). The Windows template %windir%\System32\ntds.dit and the component store (\WinSxS\) are not reported.
why_severity: >
  An Exchange server has no AD database, and on a DC the live database stays in its folder: a new ntds.dit elsewhere
  is a copy, made for offline hash extraction. Sigma rates the bare creation of an ntds.dit low, its creation by a
  shell, a script host or a binary in a user or temp folder high, and the export tools' file names high; with the live
  database, lsass.exe and the Windows components excluded, what is left is a copy, so high.
false_positives:
  - IFM media created by administrators on a DC to promote a new domain controller.
  - AD backup and recovery products that stage a copy of the database (check the writing process).
references:
  - https://www.volexity.com/blog/2021/03/02/active-exploitation-of-microsoft-exchange-zero-day-vulnerabilities/
  - https://github.com/SigmaHQ/sigma/blob/master/rules/windows/file/file_event/file_event_win_ntds_dit_creation.yml
  - https://github.com/SigmaHQ/sigma/blob/master/rules/windows/file/file_event/file_event_win_ntds_dit_uncommon_process.yml
  - https://github.com/SigmaHQ/sigma/blob/master/rules/windows/file/file_event/file_event_win_ntds_exfil_tools.yml
--- */
WITH files AS (
  SELECT agency, host, event_time, image, target_filename, lower(target_filename) AS tf, lower(coalesce(image, '')) AS img
  FROM windows_events
  WHERE dt BETWEEN ? AND ?
    AND event_id = 11 AND strpos(lower(channel), 'sysmon') > 0
)
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       target_filename, CASE WHEN tf LIKE '%\ntds.dit' THEN 'ntds_dit_copy' ELSE 'ntds_export_tool_output' END AS signal,
       min(image) AS image
FROM files
WHERE (tf LIKE '%\ntds.dit'
       AND strpos(tf, '\windows\ntds\') = 0
       AND NOT regexp_like(tf, '\\windows\\(system32|syswow64)\\ntds\.dit$')
       AND strpos(tf, '\winsxs\') = 0
       AND NOT img LIKE '%\lsass.exe')
   OR tf LIKE '%\all.cab' OR tf LIKE '%.ntds.cleartext'
GROUP BY agency, host, target_filename, tf
