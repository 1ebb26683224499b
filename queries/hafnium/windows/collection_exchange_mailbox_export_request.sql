/* ---
id: 64ac3ff3-e3b1-4c15-8d90-bb8657a0974b
name: "Mailbox export request to a share or to an .aspx file, or Mailbox Import Export role granted (process and MSExchange Management)"
status: stable
severity: medium
cves: []
mitre: ["TA0009:T1114.002", "TA0003:T1505.003"]
log_families: [evtx, winevent_json, winevent_csv, winevent_jsonl]
key_fields: [command]
description: >
  HAFNIUM exported mailboxes with New-MailboxExportRequest after loading the Exchange snap-in. Matches process command
  lines (Sigma, critical: New-MailboxExportRequest + -Mailbox + -FilePath \\; Elastic, medium) and MSExchange
  Management cmdlet events (Sigma, critical: New-MailboxExportRequest + -Mailbox and -FilePath "\\ or .aspx, or
  New-ManagementRoleAssignment with the Mailbox Import Export role and -User). An export whose file path ends in .aspx,
  or goes to the loopback share (\\127.0.0.1\, \\localhost\), writes a web shell through the export (ProxyShell style)
  and is critical.
why_severity: >
  Sigma rates the share export critical, but eDiscovery and migrations export mailboxes to UNC shares legitimately
  (the only target New-MailboxExportRequest accepts), so a plain share export is low alone and medium on a host with
  a CVE hit in the window (an SSRF anchor logged by it or naming it, a Set-*VirtualDirectory with
  script, an OAB download outside ClientAccess\OAB, a UM InvalidCastException) (cve_hit); the role grant is medium; the .aspx and
  loopback forms have no legitimate use and are critical.
false_positives:
  - Administrators exporting mailboxes to a file share for legal hold or migration.
references:
  - https://github.com/SigmaHQ/sigma/blob/master/rules/windows/process_creation/proc_creation_win_powershell_mailboxexport_share.yml
  - https://github.com/SigmaHQ/sigma/blob/master/rules/windows/builtin/msexchange/win_exchange_proxyshell_mailbox_export.yml
  - https://github.com/elastic/detection-rules/blob/main/rules/windows/collection_email_powershell_exchange_mailbox.toml
  - https://github.com/Azure/Azure-Sentinel/blob/master/Hunting%20Queries/SecurityEvent/HostExportingMailboxAndRemovingExport.yaml
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
-- Stage 1: the command text, from process creation, MSExchange Management cmdlet events (message or data) and
-- PowerShell script blocks (4104: scripts run in a remote Exchange session never start a process).
cmds AS (
  SELECT agency, host, event_time, channel,
         CASE WHEN lower(channel) = 'msexchange management' THEN coalesce(message, data_text)
              WHEN event_id = 4104 THEN coalesce(script_block_text, data_text)
              ELSE command_line END AS command
  FROM windows_events
  WHERE dt BETWEEN ? AND ?
    AND (((event_id = 1 AND strpos(lower(channel), 'sysmon') > 0) OR (event_id = 4688 AND lower(channel) = 'security'))
         OR (lower(channel) = 'msexchange management' AND event_id IN (1, 6))
         OR (event_id = 4104 AND strpos(lower(channel), 'powershell') > 0))
),
-- Stage 2: the export and role-grant forms.
hits AS (
  SELECT agency, host, event_time, channel, command, lower(replace(command, '"', '')) AS c
  FROM cmds
  WHERE (strpos(lower(command), 'new-mailboxexportrequest') > 0 AND strpos(lower(command), '-mailbox') > 0
         AND (strpos(lower(replace(command, '"', '')), '-filepath \\') > 0 OR strpos(lower(command), '.aspx') > 0))
     OR (strpos(lower(command), 'new-managementroleassignment') > 0 AND strpos(lower(command), 'mailbox import export') > 0
         AND strpos(lower(command), '-user') > 0)
)
-- Stage 3: an export to .aspx or through the loopback share is the web-shell trick (critical); an export to a share
-- is routine eDiscovery alone (low) and medium on a host with a CVE hit; the role grant medium.
SELECT h.agency, h.host, min(h.event_time) AS first_seen, max(h.event_time) AS last_seen, count(*) AS hits,
       CASE WHEN strpos(h.c, '.aspx') > 0 OR strpos(h.c, '\\127.0.0.1\') > 0 OR strpos(h.c, '\\localhost\') > 0 THEN 'critical'
            WHEN strpos(h.c, 'new-managementroleassignment') > 0 OR k.host IS NOT NULL THEN 'medium'
            ELSE 'low' END AS severity,
       h.command, min(h.channel) AS channel, k.host IS NOT NULL AS cve_hit
FROM hits h
LEFT JOIN (SELECT DISTINCT agency, host FROM cve_hosts) k ON k.agency = h.agency AND k.host = h.host
GROUP BY h.agency, h.host, h.command, h.c, k.host
