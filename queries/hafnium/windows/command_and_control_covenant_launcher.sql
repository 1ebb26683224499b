/* ---
id: e73aa9a8-8f5c-4f1f-97f3-e431731b3120
name: "Covenant C2 launcher or Grunt on the command line or in a script block (Microsoft blog, Sigma)"
status: experimental
severity: high
cves: []
mitre: ["TA0011:T1071.001", "TA0002:T1059.001"]
log_families: [evtx, winevent_json, winevent_csv, winevent_jsonl]
key_fields: [signal, evidence_text]
description: >
  The Microsoft blog lists Covenant among HAFNIUM's post-exploitation frameworks. Sigma "Covenant Launcher Indicators"
  (proc_creation_win_hktl_covenant): a command line holding -Sta, -Nop, -Window Hidden and -Command or
  -EncodedCommand (the PowerShell launcher's switches, launcher_switches), or one of the launchers' fixed texts
  (launcher_text): 'sv o (New-Object IO.MemorySteam);sv d ' (sic, as Covenant writes it), 'mshta file.hta',
  'GruntHTTP', or the encoded launcher's prefix '-EncodedCommand cwB2ACAAbwAgA' ("sv o " in UTF-16LE). Process
  creation (Sysmon 1, Security 4688) and PowerShell script blocks (4104, the fixed texts only).
why_severity: >
  Sigma rates the launcher high; its fixed texts have no administrative use. The switch combination alone is also
  used by some management agents, so it is medium.
false_positives:
  - Software deployment agents launching hidden, non-interactive PowerShell (switch combination only).
references:
  - https://www.microsoft.com/security/blog/2021/03/02/hafnium-targeting-exchange-servers/
  - https://github.com/SigmaHQ/sigma/blob/master/rules/windows/process_creation/proc_creation_win_hktl_covenant.yml
--- */
-- Stage 1: command lines and script blocks.
WITH ev AS (
  SELECT agency, host, event_time, event_id, image,
         CASE WHEN event_id = 4104 THEN script_block_text ELSE command_line END AS evidence_text
  FROM windows_events
  WHERE dt BETWEEN ? AND ?
    AND (((event_id = 1 AND strpos(lower(channel), 'sysmon') > 0) OR (event_id = 4688 AND lower(channel) = 'security'))
         OR (event_id = 4104 AND strpos(lower(channel), 'powershell') > 0))
),
-- Stage 2: Sigma's two selections.
tagged AS (
  SELECT *, lower(coalesce(evidence_text, '')) AS t,
         CASE
           WHEN strpos(lower(evidence_text), 'sv o (new-object io.memorysteam);sv d ') > 0
                OR strpos(lower(evidence_text), 'mshta file.hta') > 0
                OR strpos(lower(evidence_text), 'grunthttp') > 0
                OR strpos(evidence_text, '-EncodedCommand cwB2ACAAbwAgA') > 0 THEN 'launcher_text'
           WHEN event_id <> 4104 AND strpos(lower(evidence_text), '-sta') > 0 AND strpos(lower(evidence_text), '-nop') > 0
                AND strpos(lower(evidence_text), '-window') > 0 AND strpos(lower(evidence_text), 'hidden') > 0
                AND (strpos(lower(evidence_text), '-command') > 0 OR strpos(lower(evidence_text), '-encodedcommand') > 0)
             THEN 'launcher_switches'
         END AS signal
  FROM ev
)
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       CASE WHEN signal = 'launcher_text' THEN 'high' ELSE 'medium' END AS severity,
       signal, substr(evidence_text, 1, 1000) AS evidence_text, min(image) AS image, min(event_id) AS event_id
FROM tagged
WHERE signal IS NOT NULL
GROUP BY agency, host, signal, substr(evidence_text, 1, 1000)
