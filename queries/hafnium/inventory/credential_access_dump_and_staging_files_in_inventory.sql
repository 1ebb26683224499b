/* ---
id: 32ff2073-e46d-4254-be5b-cc9979a1a0d5
name: "LSASS dumps and short-named archives in ProgramData in a file inventory (Test-ProxyLogon LsassDump / SuspiciousArchive)"
status: stable
severity: high
cves: []
mitre: ["TA0006:T1003.001", "TA0009:T1560.001"]
log_families: [file_inventory]
key_fields: [path]
description: >
  The "other suspicious files" Test-ProxyLogon lists: LSASS dumps (lsass*.dmp, procdump's lsass_YYMMDD names,
  lsass.zip/rar) anywhere (TPL looks under C:\root and %WINDIR%\temp) are high (Sigma's dump file-name rule); archives
  with a 1-6 character name directly in ProgramData (signature-base, score 40; HAFNIUM's it.zip) are medium. Archives
  in ProgramData subfolders (McAfee FrameworkConfig.zip, engmin.zip, backup agents) are not reported: TPL itself stopped
  showing archives unless a CVE check hit (issue #311, PR #386).
why_severity: >
  LSASS dumps on a server are credential theft (high); a short-named archive is only staging-shaped (medium).
false_positives:
  - LSASS dumps taken for Microsoft support; administrators' archives directly in ProgramData.
references:
  - https://github.com/microsoft/CSS-Exchange/blob/main/Security/src/Test-ProxyLogon.ps1
  - https://github.com/microsoft/CSS-Exchange/issues/311
  - https://github.com/SigmaHQ/sigma/blob/master/rules/windows/file/file_event/file_event_win_lsass_default_dump_file_names.yml
  - https://github.com/Neo23x0/signature-base/blob/master/iocs/filename-iocs.txt
--- */
WITH files AS (
  -- A snapshot (Get-FileHash has no file times) is dated by its day: the day the inventory file was written.
  SELECT agency, host, coalesce(event_time, CAST(dt AS timestamp)) AS event_time, path, lower(path) AS p, hash, last_write_time
  FROM file_inventory
  WHERE dt BETWEEN ? AND ?
),
tagged AS (
  SELECT *,
         CASE WHEN regexp_like(p, '\\lsass[^\\]*\.dmp$|\\lsass\.(zip|rar|7z)$|\\lsass_2[^\\]*$')
                   AND strpos(p, '\wer\') = 0 THEN 'lsass_dump'
              WHEN regexp_like(p, '^[a-z]:\\programdata\\[a-z0-9_]{1,6}\.(zip|7z|rar)$') THEN 'suspicious_archive'
         END AS kind
  FROM files
)
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       CASE WHEN kind = 'lsass_dump' THEN 'high' ELSE 'medium' END AS severity,
       kind, path, min(hash) AS hash, max(last_write_time) AS last_write_time
FROM tagged
WHERE kind IS NOT NULL
GROUP BY agency, host, kind, path
