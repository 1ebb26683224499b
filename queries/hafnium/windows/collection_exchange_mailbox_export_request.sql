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
  (the only target New-MailboxExportRequest accepts), so a plain share export or role grant is medium; the .aspx and
  loopback forms have no legitimate use and are critical.
false_positives:
  - Administrators exporting mailboxes to a file share for legal hold or migration.
references:
  - https://github.com/SigmaHQ/sigma/blob/master/rules/windows/process_creation/proc_creation_win_powershell_mailboxexport_share.yml
  - https://github.com/SigmaHQ/sigma/blob/master/rules/windows/builtin/msexchange/win_exchange_proxyshell_mailbox_export.yml
  - https://github.com/elastic/detection-rules/blob/main/rules/windows/collection_email_powershell_exchange_mailbox.toml
  - https://github.com/Azure/Azure-Sentinel/blob/master/Hunting%20Queries/SecurityEvent/HostExportingMailboxAndRemovingExport.yaml
--- */
-- Stage 1: the command text, from process creation or from MSExchange Management cmdlet events (message or data).
WITH cmds AS (
  SELECT agency, host, event_time, channel,
         CASE WHEN lower(channel) = 'msexchange management' THEN coalesce(message, data_text)
              ELSE command_line END AS command
  FROM windows_events
  WHERE dt BETWEEN ? AND ?
    AND (((event_id = 1 AND strpos(lower(channel), 'sysmon') > 0) OR (event_id = 4688 AND lower(channel) = 'security'))
         OR (lower(channel) = 'msexchange management' AND event_id IN (1, 6)))
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
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       CASE WHEN strpos(c, '.aspx') > 0 OR strpos(c, '\\127.0.0.1\') > 0 OR strpos(c, '\\localhost\') > 0 THEN 'critical'
            ELSE 'medium' END AS severity,
       command, min(channel) AS channel
FROM hits
GROUP BY agency, host, command, c
