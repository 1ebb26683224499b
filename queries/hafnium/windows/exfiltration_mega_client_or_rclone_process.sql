/* ---
id: 12eafe96-9121-4f64-b6bb-4f6eddf2704f
name: "MEGA cloud-storage client (MEGAsync, MEGAcmd, megatools) or rclone run on the server (exfiltration to MEGA)"
status: experimental
severity: high
cves: []
mitre: ["TA0010:T1567.002"]
log_families: [evtx, winevent_json, winevent_csv, winevent_jsonl]
key_fields: [signal, command_line]
description: >
  Microsoft: "Once they've gained access to a victim network, HAFNIUM typically exfiltrates data to file sharing sites
  like MEGA." Process creation (Sysmon 1, Security 4688) of a MEGA client: MEGAsync and its setup and updater, the
  MEGAcmd server, shell and client (and its mega-put / mega-login / mega-sync ... scripts), or megatools (image or
  Sysmon OriginalFileName). And rclone (image or OriginalFileName rclone.exe, or Sigma's rclone option set --config
  --no-check-certificate copy under any name; Sigma "PUA - Rclone Execution", Splunk "Detect RClone Command-Line
  Usage"): signal rclone_mega when the command line names mega (a mega remote, --mega-user, config create ... mega),
  rclone otherwise (the remote's type is then in rclone.conf, not on the command line).
why_severity: >
  An Exchange server has no business syncing to consumer cloud storage, and MEGA is where Microsoft says HAFNIUM puts
  stolen data: a MEGA client or rclone to MEGA is high (Sigma rates rclone high). rclone to a remote whose type is not
  visible is medium: it is exfiltration tooling, but it may be a sanctioned backup to the agency's own storage.
false_positives:
  - An administrator installing MEGAsync on the server for personal transfers (still a policy breach).
  - rclone used by a sanctioned backup job to the agency's own object storage (check the remote in rclone.conf).
references:
  - https://www.microsoft.com/security/blog/2021/03/02/hafnium-targeting-exchange-servers/
  - https://github.com/SigmaHQ/sigma/blob/master/rules/windows/process_creation/proc_creation_win_pua_rclone_execution.yml
  - https://github.com/splunk/security_content/blob/develop/detections/endpoint/detect_rclone_command_line_usage.yml
--- */
WITH procs AS (
  SELECT agency, host, event_time, image, parent_image, command_line, process_user,
         lower(coalesce(image, '')) AS img, lower(coalesce(original_file_name, '')) AS ofn, lower(coalesce(command_line, '')) AS cl
  FROM windows_events
  WHERE dt BETWEEN ? AND ?
    AND ((event_id = 1 AND strpos(lower(channel), 'sysmon') > 0) OR (event_id = 4688 AND lower(channel) = 'security'))
),
tagged AS (
  SELECT agency, host, event_time, image, parent_image, command_line, process_user,
         CASE
           WHEN regexp_like(img, '\\(megasync|megasyncsetup(32|64)?|megaupdater|megacmdserver|megacmdshell|megaclient|megacmdupdater|megatools|megaput|megacopy|megadl|megaget|megals|megareg|megamkdir)\.exe$')
                OR regexp_like(ofn, '^(megasync|megasyncsetup(32|64)?|megaupdater|megacmdserver|megacmdshell|megaclient|megacmdupdater|megatools)\.exe$')
                OR regexp_like(cl, '(^|[\s\\/"])mega-(put|login|sync|backup|export|get|cp|mv|import|webdav|transfers|mkdir)(\.bat)?(\s|"|$)')
             THEN 'mega_client'
           WHEN img LIKE '%\rclone.exe' OR ofn = 'rclone.exe'
                OR (strpos(cl, '--config ') > 0 AND strpos(cl, '--no-check-certificate') > 0 AND strpos(cl, ' copy ') > 0)
             THEN CASE WHEN strpos(cl, 'mega') > 0 THEN 'rclone_mega' ELSE 'rclone' END
         END AS signal
  FROM procs
)
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       CASE WHEN signal = 'rclone' THEN 'medium' ELSE 'high' END AS severity,
       signal, command_line, min(image) AS image, min(parent_image) AS parent_image, min(process_user) AS process_user
FROM tagged
WHERE signal IS NOT NULL
GROUP BY agency, host, signal, command_line
