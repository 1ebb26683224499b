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
  engmin.zip, backup agents' configuration.zip in subfolders): those deeper files are not reported here. Following
  Test-ProxyLogon, a short-named archive is medium only when the host has a CVE hit in the window (an SSRF anchor logged
  by it or naming it, a Set-*VirtualDirectory with script, an OAB download outside ClientAccess\OAB, a UM
  InvalidCastException) or when an archiver on the host ran with HAFNIUM's own command line (Sigma: -t7z with
  C:\ProgramData\pst, or \it.zip); low otherwise (customers' own zips).
why_severity: >
  A short-named archive at the top of ProgramData matches the published staging, but clean servers have such zips too
  (Test-ProxyLogon issue #311): medium with a CVE hit or HAFNIUM's archiver command line on the host, low alone.
false_positives:
  - Administrators zipping logs into C:\ProgramData directly.
references:
  - https://github.com/Neo23x0/signature-base/blob/master/iocs/filename-iocs.txt
  - https://github.com/microsoft/CSS-Exchange/blob/main/Security/src/Test-ProxyLogon.ps1
  - https://github.com/microsoft/CSS-Exchange/issues/311
  - https://github.com/SigmaHQ/sigma/blob/master/rules-emerging-threats/2021/TA/HAFNIUM/proc_creation_win_apt_hafnium.yml
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
-- Hosts where an archiver ran with HAFNIUM's command line (Sigma's HAFNIUM selection).
hafnium_archiver AS (
  SELECT DISTINCT agency, host
  FROM windows_events
  WHERE dt BETWEEN ? AND ?
    AND ((event_id = 1 AND strpos(lower(channel), 'sysmon') > 0) OR (event_id = 4688 AND lower(channel) = 'security'))
    AND ((strpos(lower(command_line), ' -t7z ') > 0 AND strpos(lower(command_line), 'c:\programdata\pst') > 0)
         OR strpos(lower(command_line), '\it.zip') > 0)
),
-- Stage 2: short-named archives written directly in ProgramData.
archives AS (
  SELECT agency, host, event_time, target_filename, image
  FROM windows_events
  WHERE dt BETWEEN ? AND ?
    AND ((event_id = 11 AND strpos(lower(channel), 'sysmon') > 0) OR (event_id = 4663 AND lower(channel) = 'security'))
    -- Any drive; directly in ProgramData; 1-6 word characters; zip / 7z / rar (signature-base, score 40).
    AND regexp_like(lower(target_filename), '^[a-z]:\\programdata\\[a-z0-9_]{1,6}\.(zip|7z|rar)$')
)
-- Stage 3: medium with a CVE hit or HAFNIUM's archiver command line on the host, low otherwise.
SELECT a.agency, a.host, min(a.event_time) AS first_seen, max(a.event_time) AS last_seen, count(*) AS hits,
       CASE WHEN c.host IS NOT NULL OR h.host IS NOT NULL THEN 'medium' ELSE 'low' END AS severity,
       a.target_filename, min(a.image) AS image, c.host IS NOT NULL AS cve_hit, h.host IS NOT NULL AS hafnium_archiver
FROM archives a
LEFT JOIN (SELECT DISTINCT agency, host FROM cve_hosts) c ON c.agency = a.agency AND c.host = a.host
LEFT JOIN hafnium_archiver h ON h.agency = a.agency AND h.host = a.host
GROUP BY a.agency, a.host, a.target_filename, c.host, h.host
