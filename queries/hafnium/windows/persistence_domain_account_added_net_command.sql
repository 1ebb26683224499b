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
  server. High when the command runs as SYSTEM or straight from w3wp.exe / UMWorkerProcess.exe / UMService.exe, the
  context of a web shell on Exchange (no administrator creates accounts that way). Group additions (net group /
  localgroup ... /add) are routine administration and FireEye's published indicator is the /del form: low alone, even
  for a privileged group (privileged_group says so), unless correlated: high when the web-shell context runs them or
  when the account added was itself created from that context on the host (Volexity's "grant it privileges"); medium
  when the host has a CVE hit in the window (an SSRF anchor logged by it or naming it, a Set-*VirtualDirectory with
  script, an OAB download outside ClientAccess\OAB, a UM InvalidCastException).
false_positives:
  - Administrators or provisioning scripts creating accounts or managing groups with net.exe on the server.
references:
  - https://www.volexity.com/blog/2021/03/02/active-exploitation-of-microsoft-exchange-zero-day-vulnerabilities/
  - https://github.com/SigmaHQ/sigma/blob/master/rules/windows/process_creation/proc_creation_win_net_user_add.yml
  - https://github.com/SigmaHQ/sigma/blob/master/rules/windows/process_creation/proc_creation_win_susp_add_user_privileged_group.yml
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
-- Stage 2: net.exe / net1.exe processes.
procs AS (
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
),
-- Stage 3: accounts created from the web-shell context on each host (a later group addition of them is correlated).
suspicious_accounts AS (
  SELECT DISTINCT agency, host, lower(account) AS account
  FROM tagged
  WHERE signal IN ('domain_user_added', 'local_user_added') AND web_or_system AND account IS NOT NULL
)
-- Stage 4: rate each command; group additions low unless correlated.
SELECT t.agency, t.host, min(t.event_time) AS first_seen, max(t.event_time) AS last_seen, count(*) AS hits,
       CASE min(CASE WHEN t.web_or_system OR a.account IS NOT NULL THEN 2
                     WHEN t.signal IN ('domain_user_added', 'local_user_added') OR c.host IS NOT NULL THEN 3
                     ELSE 4 END)
         WHEN 2 THEN 'high' WHEN 3 THEN 'medium' ELSE 'low' END AS severity,
       t.signal, t.command_line, min(t.account) AS account, min(t.group_name) AS group_name,
       bool_or(t.privileged_group) AS privileged_group,
       min(t.parent_image) AS parent_image, min(t.process_user) AS process_user
FROM tagged t
LEFT JOIN suspicious_accounts a ON a.agency = t.agency AND a.host = t.host AND a.account = lower(t.account)
                               AND t.signal IN ('domain_group_member_added', 'local_group_member_added')
LEFT JOIN (SELECT DISTINCT agency, host FROM cve_hosts) c ON c.agency = t.agency AND c.host = t.host
WHERE t.signal IS NOT NULL
GROUP BY t.agency, t.host, t.signal, t.command_line
