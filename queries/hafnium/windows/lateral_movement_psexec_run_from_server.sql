/* ---
id: 0d1036fc-973e-4a52-bf54-dc69e5d26b41
name: "Sysinternals PsExec run on the server (psexec.exe, a renamed copy, -accepteula -u -p \\\\host, PsExec EULA key)"
status: experimental
severity: medium
cves: []
mitre: ["TA0008:T1021.002", "TA0002:T1569.002"]
log_families: [evtx, winevent_json, winevent_csv, winevent_jsonl]
key_fields: [signal, command_line, registry_key]
description: >
  Volexity saw the ProxyLogon operators use PsExec "to execute commands on remote systems" once they held an Exchange
  server. This is the client side, PsExec started on the host whose logs these are: process creation (Sysmon 1,
  Security 4688) of psexec.exe / psexec64.exe (Sigma "Psexec Execution"), a binary Sysmon names OriginalFileName
  psexec.c under another name (Splunk "Detect Renamed PSExec"), or, whatever the image, a command line with
  accepteula, -u, -p and a \\computer target (Sigma "Potential PsExec Remote Execution"). Sysmon registry events
  (12/13) for HKU\<sid>\Software\Sysinternals\PsExec\EulaAccepted show that PsExec ran under that account even when
  process creation is not logged (Sigma's Sysinternals EULA rule, narrowed to PsExec). The signal column says which
  matched; remote_target is the first \\computer of the command line. The service side (PSEXESVC on this host) is
  the hunt "PsExec service (PSEXESVC) installed or run on the server".
why_severity: >
  A plain PsExec run is routine administration (Sigma medium): low alone, medium on a host with
  a CVE hit in the window (an SSRF anchor logged by it or naming it, a Set-*VirtualDirectory with
  script, an OAB download outside ClientAccess\OAB, a UM InvalidCastException) (cve_hit). High when it does not look like an
  administrator at work: a renamed copy (Splunk gives it confidence 90), credentials typed on the command line for a
  remote host (Sigma high), or a run as SYSTEM or straight from w3wp.exe / UMWorkerProcess.exe / UMService.exe, the
  context a web shell on Exchange runs in. The registry trace alone is low (Sigma low): it only says PsExec ran once.
false_positives:
  - Administrators and deployment scripts running PsExec from the Exchange server (check the account and the target).
  - Management software that ships PsExec under its own folder (check the parent process).
references:
  - https://www.volexity.com/blog/2021/03/02/active-exploitation-of-microsoft-exchange-zero-day-vulnerabilities/
  - https://github.com/SigmaHQ/sigma/blob/master/rules/windows/process_creation/proc_creation_win_sysinternals_psexec_execution.yml
  - https://github.com/SigmaHQ/sigma/blob/master/rules/windows/process_creation/proc_creation_win_sysinternals_psexec_remote_execution.yml
  - https://github.com/SigmaHQ/sigma/blob/master/rules/windows/registry/registry_add/registry_add_pua_sysinternals_execution_via_eula.yml
  - https://github.com/splunk/security_content/blob/develop/detections/endpoint/detect_renamed_psexec.yml
  - https://github.com/splunk/security_content/blob/develop/detections/endpoint/detect_psexec_with_accepteula_flag.yml
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
  SELECT agency, host, event_time, event_id, image, parent_image, command_line, process_user, original_file_name,
         lower(coalesce(image, '')) AS img, lower(coalesce(parent_image, '')) AS par, lower(coalesce(command_line, '')) AS cl,
         lower(coalesce(process_user, '')) AS usr,
         try(json_extract_scalar(event_data, '$.TargetObject')) AS target_object
  FROM windows_events
  WHERE dt BETWEEN ? AND ?
    AND ((event_id IN (1, 12, 13) AND strpos(lower(channel), 'sysmon') > 0) OR (event_id = 4688 AND lower(channel) = 'security'))
),
tagged AS (
  SELECT agency, host, event_time, image, parent_image, command_line, process_user,
         CASE WHEN event_id IN (12, 13) THEN target_object END AS registry_key,
         regexp_extract(command_line, '\\\\([^\\\s"]+)', 1) AS remote_target,
         CASE
           WHEN event_id IN (12, 13) THEN
             CASE WHEN regexp_like(lower(coalesce(target_object, '')), '\\software\\sysinternals\\psexec(\\eulaaccepted)?$') THEN 'eula_accepted_registry' END
           WHEN regexp_like(img, '\\psexec(64|64a)?\.exe$') THEN 'psexec_image'
           WHEN lower(original_file_name) = 'psexec.c' THEN 'renamed_psexec'
           WHEN strpos(cl, 'accepteula') > 0 AND strpos(cl, ' -u ') > 0 AND strpos(cl, ' -p ') > 0 AND strpos(cl, ' \\') > 0
             THEN 'remote_execution_with_credentials'
         END AS signal,
         -- Credentials for a remote host on the command line (Sigma's high rule, any image).
         (strpos(cl, ' -u ') > 0 AND strpos(cl, ' -p ') > 0 AND strpos(cl, ' \\') > 0) AS creds_remote,
         -- The context of a web shell: the Exchange worker processes, or SYSTEM ("AUTHORI" covers the localized names).
         (regexp_like(par, '\\(w3wp|umworkerprocess|umservice)\.exe$') OR strpos(usr, 'authori') > 0 OR usr LIKE '%$') AS web_or_system
  FROM ev
)
-- Routine PsExec (an administrator's plain run) is low alone and medium on a host with a CVE hit.
SELECT t.agency, t.host, min(t.event_time) AS first_seen, max(t.event_time) AS last_seen, count(*) AS hits,
       CASE min(CASE WHEN t.signal = 'eula_accepted_registry' THEN 4
                     WHEN t.signal IN ('renamed_psexec', 'remote_execution_with_credentials') OR t.creds_remote OR t.web_or_system THEN 2
                     WHEN k.host IS NOT NULL THEN 3
                     ELSE 4 END)
         WHEN 2 THEN 'high' WHEN 3 THEN 'medium' ELSE 'low' END AS severity,
       t.signal, t.command_line, t.registry_key, min(t.remote_target) AS remote_target, min(t.image) AS image,
       min(t.parent_image) AS parent_image, min(t.process_user) AS process_user, k.host IS NOT NULL AS cve_hit
FROM tagged t
LEFT JOIN (SELECT DISTINCT agency, host FROM cve_hosts) k ON k.agency = t.agency AND k.host = t.host
WHERE t.signal IS NOT NULL
GROUP BY t.agency, t.host, t.signal, t.command_line, t.registry_key, k.host
