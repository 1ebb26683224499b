/* ---
id: 1cb9ada3-27dd-4e25-9e85-daec57a5a3b5
name: "Archive with a short name written directly under C:\\ProgramData (HAFNIUM staging, e.g. it.zip)"
status: stable
severity: medium
cves: []
mitre: ["TA0009:T1560.001", "TA0009:T1074.001"]
log_families: [evtx, winevent_json, winevent_csv, winevent_jsonl]
key_fields: [target_filename]
description: >
  HAFNIUM staged stolen data in archives in ProgramData (signature-base artefact c:\ProgramData\it.zip; Sigma's HAFNIUM
  rule: 7z -t7z into C:\Programdata\pst). signature-base's file-name rule flags archives with a 1-6 character name
  directly in ProgramData (\ProgramData\[\w]{1,6}\.(zip|7z|rar)$, score 40). Test-ProxyLogon lists every archive under
  ProgramData, but only when a CVE check hit (PR #386) because clean servers have many (McAfee FrameworkConfig.zip,
  engmin.zip, backup agents' configuration.zip in subfolders): those deeper files are not reported here.
why_severity: >
  A short-named archive at the top of ProgramData matches the published staging; software keeps its archives in its
  own subfolders. Suspicious, not confirmed (medium); the correlation hunt uses it with the CVE findings.
false_positives:
  - Administrators zipping logs into C:\ProgramData directly.
references:
  - https://github.com/Neo23x0/signature-base/blob/master/iocs/filename-iocs.txt
  - https://github.com/microsoft/CSS-Exchange/blob/main/Security/src/Test-ProxyLogon.ps1
  - https://github.com/microsoft/CSS-Exchange/issues/311
  - https://github.com/SigmaHQ/sigma/blob/master/rules-emerging-threats/2021/TA/HAFNIUM/proc_creation_win_apt_hafnium.yml
--- */
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       target_filename, min(image) AS image
FROM windows_events
WHERE dt BETWEEN ? AND ?
  AND ((event_id = 11 AND strpos(lower(channel), 'sysmon') > 0) OR (event_id = 4663 AND lower(channel) = 'security'))
  -- Any drive; directly in ProgramData; 1-6 word characters; zip / 7z / rar (signature-base, score 40).
  AND regexp_like(lower(target_filename), '^[a-z]:\\programdata\\[a-z0-9_]{1,6}\.(zip|7z|rar)$')
GROUP BY agency, host, target_filename
