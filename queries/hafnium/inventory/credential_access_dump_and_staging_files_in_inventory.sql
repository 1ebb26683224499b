/* ---
id: 32ff2073-e46d-4254-be5b-cc9979a1a0d5
name: "LSASS dumps and short-named archives in ProgramData in a file inventory (Test-ProxyLogon LsassDump / SuspiciousArchive)"
status: stable
severity: medium
cves: []
mitre: ["TA0006:T1003.001", "TA0009:T1560.001"]
log_families: [file_inventory]
key_fields: [path]
description: >
  The "other suspicious files" Test-ProxyLogon lists: LSASS dumps (lsass*.dmp, procdump's lsass_YYMMDD names,
  lsass.zip/rar) anywhere (TPL looks under C:\root and %WINDIR%\temp; Sigma's dump file-name rule) and archives with a
  1-6 character name directly in ProgramData (signature-base, score 40; HAFNIUM's it.zip). Test-ProxyLogon stopped
  showing them unless a CVE check hit on the same server (issue #311, PR #386: customers' own zips and support dumps),
  so they are medium only when the host has a CVE hit in the window (an SSRF anchor logged by it or naming it, a
  Set-*VirtualDirectory with script, an OAB download outside ClientAccess\OAB, a UM InvalidCastException), low
  otherwise; cve_hit says which. Archives in ProgramData subfolders (McAfee FrameworkConfig.zip, engmin.zip, backup
  agents) are not reported.
why_severity: >
  A file in an inventory has no writer and no time of writing: alone it is a lead (low); on a host with a CVE hit it is
  the post-exploitation Test-ProxyLogon reports (medium). An LSASS dump seen being written (file event) stays high in
  its own hunt.
false_positives:
  - LSASS dumps taken for Microsoft support; administrators' archives directly in ProgramData.
references:
  - https://github.com/microsoft/CSS-Exchange/blob/main/Security/src/Test-ProxyLogon.ps1
  - https://github.com/microsoft/CSS-Exchange/issues/311
  - https://github.com/SigmaHQ/sigma/blob/master/rules/windows/file/file_event/file_event_win_lsass_default_dump_file_names.yml
  - https://github.com/Neo23x0/signature-base/blob/master/iocs/filename-iocs.txt
--- */
-- Stage 1: hosts with a CVE hit in the window (Test-ProxyLogon's gate, PR #386): a ServerInfo~ SSRF anchor
-- (Test-ProxyLogon's rule) on the front end that logged it and on the back end it names, a Set-*VirtualDirectory with
-- script or an OAB download outside ClientAccess\OAB (Exchange logs), a UM InvalidCastException (Application log).
WITH anchors AS (
  SELECT agency, host, upper(regexp_extract(anchor_mailbox, '@([A-Za-z][^.:/\]@]*)', 1)) AS backend_host
  FROM web_requests
  WHERE dt BETWEEN ? AND ?
    AND lower(anchor_mailbox) LIKE 'serverinfo~%/%'
    AND lower(anchor_mailbox) NOT LIKE 'serverinfo~%/autodiscover%'
    AND lower(anchor_mailbox) NOT LIKE 'serverinfo~localhost%/%'
),
cve_hosts AS (
  SELECT agency, host FROM anchors
  UNION
  SELECT agency, backend_host FROM anchors WHERE backend_host IS NOT NULL
  UNION
  SELECT agency, host FROM exchange_logs
  WHERE dt BETWEEN ? AND ?
    AND (regexp_like(message, '(?i)set-.+virtualdirectory.+url.+<\w+.*>.*</\w+>.+virtualdirectory')
         OR strpos(lower(regexp_extract(message, '(?i)download failed and temporary file (.*?) needs to be removed', 1)),
                   '\clientaccess\oab\') = 0)
  UNION
  SELECT agency, host FROM windows_events
  WHERE dt BETWEEN ? AND ?
    AND lower(provider) = 'msexchange unified messaging' AND level = 2
    AND strpos(coalesce(message, '') || ' ' || coalesce(data_text, ''), 'System.InvalidCastException') > 0
),
-- Stage 2: the inventory's dumps and short-named archives.
files AS (
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
-- Stage 3: medium with a CVE hit on the host, low otherwise.
SELECT t.agency, t.host, min(t.event_time) AS first_seen, max(t.event_time) AS last_seen, count(*) AS hits,
       CASE WHEN c.host IS NOT NULL THEN 'medium' ELSE 'low' END AS severity,
       t.kind, t.path, c.host IS NOT NULL AS cve_hit, min(t.hash) AS hash, max(t.last_write_time) AS last_write_time
FROM tagged t
LEFT JOIN (SELECT DISTINCT agency, host FROM cve_hosts) c ON c.agency = t.agency AND c.host = t.host
WHERE t.kind IS NOT NULL
GROUP BY t.agency, t.host, t.kind, t.path, c.host
