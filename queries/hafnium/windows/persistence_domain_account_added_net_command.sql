/* ---
id: ac218bf1-c103-436a-8ea3-b682cca5051f
name: "Account added with net.exe (net user /add [/domain], net group / localgroup ... /add), privileged groups high"
status: experimental
severity: medium
cves: []
mitre: ["TA0003:T1136.002", "TA0003:T1136.001", "TA0003:T1098"]
log_families: [evtx, winevent_json, winevent_csv, winevent_jsonl]
key_fields: [signal, command_line]
description: >
  Volexity: after ProxyLogon the attackers added "their own user account and grant it privileges to provide access in
  the future" (Domain Account User Addition). Process creation (Sysmon 1, Security 4688) of net.exe / net1.exe
  (image or OriginalFileName) whose command line adds an account: net user <name> ... /add, with /domain
  (domain_user_added) or without (local_user_added) (Sigma "New User Created Via Net.EXE"), or adds a member to a group:
  net group ... /add (domain_group_member_added) or net localgroup ... /add (local_group_member_added). account and
  group_name are parsed from the command line. Membership changes of the Exchange administrative groups (Exchange
  Organization Administrators, Organization Management, Exchange Trusted Subsystem, Exchange Windows Permissions) are
  left to the hunt 'net group "Exchange Organization Administrators" ... /del run on a server (FireEye
  post-exploitation)', and net1.exe started by net.exe (the same command again) is not counted twice.
why_severity: >
  Creating an account with net.exe is medium, as Sigma rates it: administrators do it, though rarely from an Exchange
  server. High when the account is put into a privileged group (Domain/Enterprise/Schema Admins, Administrators, the
  Operators groups, Group Policy Creator Owners, DnsAdmins, Key Admins): that is Volexity's "grant it privileges",
  and Sigma rates net localgroup additions to Schema Admins or Group Policy Creator Owners high. Also high when the
  command runs as SYSTEM or straight from w3wp.exe / UMWorkerProcess.exe / UMService.exe, the context of a web shell
  on Exchange (no administrator creates accounts that way). Adding a member to an ordinary group is low.
false_positives:
  - Administrators or provisioning scripts creating accounts or managing groups with net.exe on the server.
references:
  - https://www.volexity.com/blog/2021/03/02/active-exploitation-of-microsoft-exchange-zero-day-vulnerabilities/
  - https://github.com/SigmaHQ/sigma/blob/master/rules/windows/process_creation/proc_creation_win_net_user_add.yml
  - https://github.com/SigmaHQ/sigma/blob/master/rules/windows/process_creation/proc_creation_win_susp_add_user_privileged_group.yml
--- */
WITH procs AS (
  SELECT agency, host, event_time, image, parent_image, command_line, process_user,
         lower(coalesce(image, '')) AS img, lower(coalesce(parent_image, '')) AS par, lower(coalesce(command_line, '')) AS cl,
         lower(coalesce(process_user, '')) AS usr,
         -- The net subcommand and what follows it (case kept for the evidence).
         lower(regexp_extract(command_line, '(?i)net1?(\.exe)?"?\s+(user|localgroup|group)\s', 2)) AS subcmd,
         regexp_extract(command_line, '(?i)net1?(\.exe)?"?\s+(user|localgroup|group)\s+(.*)$', 3) AS args
  FROM windows_events
  WHERE dt BETWEEN ? AND ?
    AND ((event_id = 1 AND strpos(lower(channel), 'sysmon') > 0) OR (event_id = 4688 AND lower(channel) = 'security'))
    AND (regexp_like(lower(image), '\\net1?\.exe$') OR lower(original_file_name) IN ('net.exe', 'net1.exe'))
),
tagged AS (
  SELECT agency, host, event_time, image, parent_image, command_line, process_user,
         CASE
           WHEN subcmd = 'user' THEN CASE WHEN regexp_like(cl, '\s/do[a-z]*\b') THEN 'domain_user_added' ELSE 'local_user_added' END
           WHEN subcmd = 'group' THEN 'domain_group_member_added'
           WHEN subcmd = 'localgroup' THEN 'local_group_member_added'
         END AS signal,
         CASE WHEN subcmd = 'user' THEN regexp_extract(args, '^("[^"]+"|[^\s/"]+)', 1)
              ELSE regexp_extract(args, '^(?:"[^"]+"|[^\s"]+)\s+("[^"]+"|[^\s/"]+)', 1) END AS account,
         CASE WHEN subcmd <> 'user' THEN regexp_extract(args, '^("[^"]+"|[^\s"]+)', 1) END AS group_name,
         regexp_like(lower(coalesce(args, '')),
           '^"?(domain admins|enterprise admins|schema admins|administrators|account operators|backup operators|server operators|print operators|group policy creator owners|dnsadmins|key admins|enterprise key admins)"?\s') AS privileged_group,
         (regexp_like(par, '\\(w3wp|umworkerprocess|umservice)\.exe$') OR strpos(usr, 'authori') > 0 OR usr LIKE '%$') AS web_or_system
  FROM procs
  WHERE regexp_like(cl, '\s/add\b')
    -- Covered by the Exchange admin group hunt (0cfe5e92).
    AND NOT regexp_like(cl, 'group\s+"?(exchange organization administrators|organization management|exchange trusted subsystem|exchange windows permissions)')
    -- net.exe hands the same command to net1.exe: count it once.
    AND NOT (img LIKE '%\net1.exe' AND par LIKE '%\net.exe')
)
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       CASE min(CASE WHEN privileged_group OR web_or_system THEN 2
                     WHEN signal IN ('domain_user_added', 'local_user_added') THEN 3
                     ELSE 4 END)
         WHEN 2 THEN 'high' WHEN 3 THEN 'medium' ELSE 'low' END AS severity,
       signal, command_line, min(account) AS account, min(group_name) AS group_name,
       min(parent_image) AS parent_image, min(process_user) AS process_user
FROM tagged
WHERE signal IS NOT NULL
GROUP BY agency, host, signal, command_line
