/* ---
id: 6c386f11-0181-494e-8430-233c4a7d8543
name: "LSASS dump file written (lsass*.dmp, lsass.zip/rar, procdump's lsass_YYMMDD names)"
status: stable
severity: high
cves: []
mitre: ["TA0006:T1003.001"]
log_families: [evtx, winevent_json, winevent_csv, winevent_jsonl]
key_fields: [target_filename]
description: >
  File-creation (Sysmon 11) or file-write (Security 4663) events for the default LSASS dump names (Sigma
  file_event_win_lsass_default_dump_file_names: lsass*.dmp, lsass.zip, lsass.rar, \lsass_2* from ProcDump's
  lsass_YYMMDD_HHmmss.dmp, and tool names such as nanodump / dumpert). Test-ProxyLogon also reports lsass.*dmp files
  under C:\root and %WINDIR%\temp as LsassDump.
why_severity: >
  Sigma rates it high.
false_positives:
  - Windows Error Reporting dumps of a crashed LSASS (under \WER\, not matched).
references:
  - https://github.com/SigmaHQ/sigma/blob/master/rules/windows/file/file_event/file_event_win_lsass_default_dump_file_names.yml
  - https://github.com/microsoft/CSS-Exchange/blob/main/Security/src/Test-ProxyLogon.ps1
--- */
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       target_filename, min(image) AS image
FROM windows_events
WHERE dt BETWEEN ? AND ?
  AND ((event_id = 11 AND strpos(lower(channel), 'sysmon') > 0) OR (event_id = 4663 AND lower(channel) = 'security'))
  AND regexp_like(lower(target_filename), '\\lsass[^\\]*\.dmp$|\\lsass\.(zip|rar|7z)$|\\lsass_2[^\\]*$|\\(nanodump|dumpert)[^\\]*\.dmp$')
  AND strpos(lower(target_filename), '\wer\') = 0
GROUP BY agency, host, target_filename
