/* ---
id: fa2f8f85-15d4-481d-ae8b-a3f74ff99c05
name: "NTDS.dit theft on the command line (ntdsutil IFM, copy or esentutl from a shadow copy, NTDS dump tools, shadow copy creation)"
status: experimental
severity: high
cves: []
mitre: ["TA0006:T1003.003"]
log_families: [evtx, winevent_json, winevent_csv, winevent_jsonl]
key_fields: [signal, command_line]
correlation_days: 1
description: >
  Volexity saw the ProxyLogon operators "steal copies of the Active Directory database (NTDS.DIT)". Process creation
  (Sysmon 1, Security 4688) whose command line, whatever the image (the command is often passed on to a DC through
  PsExec, wmic or PowerShell from the Exchange server), does one of the published NTDS.dit extractions: ntdsutil
  "ac i ntds" / "activate instance ntds" with ifm "create full", or a snapshot create (Sigma "Suspicious Process
  Patterns NTDS.DIT Exfil", Splunk "Ntdsutil Export NTDS"); a copy of ntds.dit or of the SYSTEM / SAM / SECURITY hive
  out of \\?\GLOBALROOT\Device\HarddiskVolumeShadowCopy* (Sigma "Copy From VolumeShadowCopy Via Cmd.EXE", Elastic
  "NTDS or SAM Database File Copied"); esentutl /y /vss on ntds.dit (Sigma "Copying Sensitive Files with Credential
  Data"); copy, xcopy, robocopy, Copy-Item or an archiver naming ntds.dit; NTDSDump(Ex), NTDSgrab.ps1 or ntds.dit with
  system.hiv. Any other command line naming ntds.dit is reported at medium. Shadow-copy creation (vssadmin create
  shadow, wmic shadowcopy call create, Win32_ShadowCopy Create; Sigma "Shadow Copies Creation Using Operating Systems
  Utilities") is reported too, and marked near_ntds when an NTDS.dit extraction above or a file named ntds.dit
  (Sysmon 11) is seen on the same host within 24 hours.
why_severity: >
  Sigma and Elastic rate the extraction patterns high (Splunk scores its ntdsutil rule as a TTP with impact 100): a
  copy of NTDS.dit with the SYSTEM hive gives every domain password hash. An Exchange server holds no NTDS database of its own, and administrators create IFM media on
  DCs, not through remote shells. Shadow-copy creation alone is medium (Sigma medium, also done for backups and SAM
  theft); next to NTDS.dit activity on the same host it is the first step of the theft and is high. A bare mention of
  ntds.dit (for example dir or a path in a script) is medium.
false_positives:
  - Administrators creating IFM media (ntdsutil ifm) on a DC to promote a new domain controller.
  - Backup or AD recovery tools that create shadow copies or copy the database (check the tool and its schedule).
references:
  - https://www.volexity.com/blog/2021/03/02/active-exploitation-of-microsoft-exchange-zero-day-vulnerabilities/
  - https://github.com/SigmaHQ/sigma/blob/master/rules/windows/process_creation/proc_creation_win_susp_ntds.yml
  - https://github.com/SigmaHQ/sigma/blob/master/rules/windows/process_creation/proc_creation_win_ntdsutil_usage.yml
  - https://github.com/SigmaHQ/sigma/blob/master/rules/windows/process_creation/proc_creation_win_cmd_shadowcopy_access.yml
  - https://github.com/SigmaHQ/sigma/blob/master/rules/windows/process_creation/proc_creation_win_esentutl_sensitive_file_copy.yml
  - https://github.com/SigmaHQ/sigma/blob/master/rules/windows/process_creation/proc_creation_win_susp_shadow_copies_creation.yml
  - https://github.com/splunk/security_content/blob/develop/detections/endpoint/ntdsutil_export_ntds.yml
  - https://github.com/elastic/detection-rules/blob/main/rules/windows/credential_access_copy_ntds_sam_volshadowcp_cmdline.toml
--- */
WITH ev AS (
  SELECT agency, host, event_time, event_id, image, parent_image, command_line, target_filename,
         lower(coalesce(image, '')) AS img, lower(coalesce(command_line, '')) AS cl
  FROM windows_events
  WHERE dt BETWEEN ? AND ?
    AND ((event_id IN (1, 11) AND strpos(lower(channel), 'sysmon') > 0) OR (event_id = 4688 AND lower(channel) = 'security'))
),
tagged AS (
  SELECT agency, host, event_time, image, parent_image, command_line,
         CASE
           -- Sysmon 11: only used to correlate with shadow-copy creation (the file hunt reports it).
           WHEN event_id = 11 THEN CASE WHEN lower(target_filename) LIKE '%\ntds.dit' THEN 'ntds_dit_file' END
           WHEN strpos(cl, 'ntdsutil') > 0
                AND regexp_like(cl, '\bifm\b|create\s+(full|rodc|sysvol)|\bac(tivate)?\s+i(nstance)?\s+ntds\b.*\bcreate\b|\bsnapshot\b.*\bcreate\b')
             THEN 'ntdsutil_ifm_or_snapshot'
           WHEN strpos(cl, 'harddiskvolumeshadowcopy') > 0 AND strpos(cl, 'ntds.dit') > 0 THEN 'ntds_copy_from_shadow'
           WHEN strpos(cl, 'harddiskvolumeshadowcopy') > 0
                AND regexp_like(cl, '\\config\\(system|sam|security)\b') AND regexp_like(cl, '\b(copy|xcopy|robocopy|copy-item|cp|esentutl)\b')
             THEN 'hive_copy_from_shadow'
           WHEN (img LIKE '%\esentutl.exe' OR strpos(cl, 'esentutl') > 0) AND strpos(cl, 'ntds.dit') > 0 THEN 'esentutl_ntds'
           WHEN regexp_like(img, '\\ntdsdump(ex)?\.exe$') OR strpos(cl, 'ntdsgrab.ps1') > 0
                OR (strpos(cl, 'ntds.dit') > 0 AND strpos(cl, 'system.hiv') > 0)
             THEN 'ntds_dump_tool'
           WHEN strpos(cl, 'ntds.dit') > 0
                AND regexp_like(cl, '\b(copy|xcopy|robocopy|copy-item|move|move-item|cp|mv|7z|7za|rar|winrar|makecab|compress-archive|invoke-ninjacopy)\b')
             THEN 'ntds_dit_copy'
           -- Defender exclusions for the DC database are routine on domain controllers.
           WHEN strpos(cl, 'ntds.dit') > 0 AND NOT regexp_like(cl, '(add|set)-mppreference') THEN 'ntds_dit_referenced'
           WHEN regexp_like(img, '\\(vssadmin|wmic|powershell|pwsh)\.exe$') AND strpos(cl, 'shadow') > 0 AND strpos(cl, 'create') > 0
             THEN 'shadow_copy_created'
         END AS signal
  FROM ev
),
ntds AS (
  SELECT agency, host, event_time FROM tagged WHERE signal IS NOT NULL AND signal <> 'shadow_copy_created'
),
-- Each shadow-copy creation, with whether NTDS.dit activity happened on the host within 24 hours of it.
shadow AS (
  SELECT s.agency, s.host, s.event_time, s.image, s.parent_image, s.command_line, s.signal,
         count(n.host) > 0 AS near_ntds
  FROM tagged s
  LEFT JOIN ntds n ON n.agency = s.agency AND n.host = s.host
                  AND n.event_time >= s.event_time - INTERVAL '24' HOUR AND n.event_time <= s.event_time + INTERVAL '24' HOUR
  WHERE s.signal = 'shadow_copy_created'
  GROUP BY s.agency, s.host, s.event_time, s.image, s.parent_image, s.command_line, s.signal
),
reported AS (
  SELECT agency, host, event_time, image, parent_image, command_line, signal, false AS near_ntds
  FROM tagged WHERE signal IS NOT NULL AND signal NOT IN ('ntds_dit_file', 'shadow_copy_created')
  UNION ALL
  SELECT agency, host, event_time, image, parent_image, command_line, signal, near_ntds FROM shadow
)
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       CASE WHEN signal IN ('ntds_dit_referenced') THEN 'medium'
            WHEN signal = 'shadow_copy_created' AND NOT bool_or(near_ntds) THEN 'medium'
            ELSE 'high' END AS severity,
       signal, command_line, bool_or(near_ntds) AS near_ntds, min(image) AS image, min(parent_image) AS parent_image
FROM reported
GROUP BY agency, host, signal, command_line
