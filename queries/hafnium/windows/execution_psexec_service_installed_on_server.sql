/* ---
id: 8cbaf915-9526-4019-b13e-f93cc16e0afd
name: "PsExec service (PSEXESVC) installed or run on the server (7045, 4697, Sysmon 1/11/13/17)"
status: experimental
severity: medium
cves: []
mitre: ["TA0002:T1569.002", "TA0008:T1021.002"]
log_families: [evtx, winevent_json, winevent_csv, winevent_jsonl]
key_fields: [signal, detail]
description: >
  The target side of PsExec, which Volexity saw the ProxyLogon operators use for lateral movement: someone ran PsExec
  against this host, which copies PSEXESVC.exe to ADMIN$, installs it as a service and runs the command under it.
  Matched: System 7045 and Security 4697 service installs named PSEXESVC or whose binary ends in \PSEXESVC.exe (Sigma
  "PsExec Service Installation"; the name and path are also looked for in the event's values, so exports whose event
  data has no names still match); Sysmon 13 writes under Services\PSEXESVC; Sysmon 11 creation of PSEXESVC.exe; the
  service process itself (Sysmon 1 / 4688 image \PSEXESVC.exe, or OriginalFileName psexesvc.exe under another name,
  which is how PsExec -r renames it; Sigma "PsExec Service Execution"); processes it starts (Sigma "PsExec Service
  Child Process Execution as LOCAL SYSTEM"); and its named pipes \PSEXESVC* (Sysmon 17/18, Sigma "PsExec Default
  Named Pipe"). detail is the service binary, registry key, file, image, command line or pipe, by signal.
why_severity: >
  Sigma rates the service install and the service process medium, but administrators push commands with PsExec every
  day: low alone, medium on a host with a CVE hit in the window (an SSRF anchor logged by it or naming it, a Set-*VirtualDirectory with
  script, an OAB download outside ClientAccess\OAB, a UM InvalidCastException) (cve_hit). A
  child of PSEXESVC running as SYSTEM is high (Sigma high: PsExec -s, full control of the host), and so is a renamed
  service binary (PsExec -r hides the default name, an evasion administrators have no reason for). The named pipe
  alone is low (Sigma low).
false_positives:
  - Administrators or management tools (software deployment, Intune troubleshooting) running PsExec against the server.
references:
  - https://www.volexity.com/blog/2021/03/02/active-exploitation-of-microsoft-exchange-zero-day-vulnerabilities/
  - https://github.com/SigmaHQ/sigma/blob/master/rules/windows/builtin/system/service_control_manager/win_system_service_install_sysinternals_psexec.yml
  - https://github.com/SigmaHQ/sigma/blob/master/rules/windows/process_creation/proc_creation_win_sysinternals_psexesvc.yml
  - https://github.com/SigmaHQ/sigma/blob/master/rules/windows/process_creation/proc_creation_win_sysinternals_psexesvc_as_system.yml
  - https://github.com/SigmaHQ/sigma/blob/master/rules/windows/pipe_created/pipe_created_sysinternals_psexec_default_pipe.yml
--- */
-- Stage 0: hosts with a CVE hit in the window (Test-ProxyLogon's gate, PR #386): a ServerInfo~ SSRF anchor
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
ev AS (
  SELECT agency, host, event_time, event_id, image, parent_image, command_line, process_user, service_name, target_filename,
         lower(channel) AS ch, lower(coalesce(image, '')) AS img, lower(coalesce(parent_image, '')) AS par,
         lower(coalesce(original_file_name, '')) AS ofn, data_text, lower(coalesce(data_text, '')) AS vals,
         -- 7045 ImagePath, 4697 ServiceFileName (ImagePath when recovered from the message).
         coalesce(try(json_extract_scalar(event_data, '$.ImagePath')), try(json_extract_scalar(event_data, '$.ServiceFileName'))) AS service_file,
         try(json_extract_scalar(event_data, '$.TargetObject')) AS target_object,
         try(json_extract_scalar(event_data, '$.PipeName')) AS pipe_name
  FROM windows_events
  WHERE dt BETWEEN ? AND ?
    AND ((event_id = 7045 AND lower(channel) = 'system')
      OR (event_id IN (4688, 4697) AND lower(channel) = 'security')
      OR (event_id IN (1, 11, 12, 13, 17, 18) AND strpos(lower(channel), 'sysmon') > 0))
),
tagged AS (
  SELECT agency, host, event_time, image, command_line, process_user, service_name, service_file,
         CASE
           WHEN event_id IN (7045, 4697) THEN
             CASE WHEN lower(service_name) = 'psexesvc' OR lower(service_file) LIKE '%\psexesvc.exe'
                       OR regexp_like(vals, '(^|\n)psexesvc(\n|$)|\\psexesvc\.exe(\n|$)') THEN 'service_installed' END
           WHEN event_id IN (12, 13) THEN
             CASE WHEN regexp_like(lower(coalesce(target_object, '')), '\\services\\psexesvc(\\|$)') THEN 'service_registry_key' END
           WHEN event_id = 11 THEN
             CASE WHEN lower(target_filename) LIKE '%\psexesvc.exe' THEN 'service_binary_written' END
           WHEN event_id IN (17, 18) THEN
             CASE WHEN lower(pipe_name) LIKE '\psexesvc%' THEN 'named_pipe' END
           WHEN img LIKE '%\psexesvc.exe' THEN 'service_process'
           WHEN ofn = 'psexesvc.exe' THEN 'renamed_service_process'
           WHEN par LIKE '%\psexesvc.exe' THEN 'service_child_process'
         END AS signal,
         CASE
           WHEN event_id IN (7045, 4697) THEN
             coalesce(service_file, regexp_extract(data_text, '(?i)(^|\n)([^\n]*\\psexesvc\.exe)(\n|$)', 2), service_name, 'PSEXESVC')
           WHEN event_id IN (12, 13) THEN target_object
           WHEN event_id = 11 THEN target_filename
           WHEN event_id IN (17, 18) THEN pipe_name
           WHEN par LIKE '%\psexesvc.exe' AND NOT img LIKE '%\psexesvc.exe' AND ofn <> 'psexesvc.exe' THEN command_line
           ELSE image
         END AS detail,
         -- Sigma: the child runs as LOCAL SYSTEM ("AUTHORI" covers the localized NT AUTHORITY names).
         strpos(lower(coalesce(process_user, '')), 'authori') > 0 AS as_system
  FROM ev
)
-- Routine PsExec (the service installed by an administrator's run) is low alone and medium on a host with a CVE hit.
SELECT t.agency, t.host, min(t.event_time) AS first_seen, max(t.event_time) AS last_seen, count(*) AS hits,
       CASE min(CASE WHEN t.signal = 'named_pipe' THEN 4
                     WHEN t.signal = 'renamed_service_process' OR (t.signal = 'service_child_process' AND t.as_system) THEN 2
                     WHEN k.host IS NOT NULL THEN 3
                     ELSE 4 END)
         WHEN 2 THEN 'high' WHEN 3 THEN 'medium' ELSE 'low' END AS severity,
       t.signal, t.detail, min(t.service_name) AS service_name, min(t.image) AS image, min(t.command_line) AS command_line,
       min(t.process_user) AS process_user, k.host IS NOT NULL AS cve_hit
FROM tagged t
LEFT JOIN (SELECT DISTINCT agency, host FROM cve_hosts) k ON k.agency = t.agency AND k.host = t.host
WHERE t.signal IS NOT NULL
GROUP BY t.agency, t.host, t.signal, t.detail, k.host
