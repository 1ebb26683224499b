/* ---
id: e23a4d66-2d15-4b48-be08-f80407ed1cf0
name: "Account created (4720) or added to a privileged group (4728/4732/4756) in the Security log, computer-account actors high"
status: experimental
severity: medium
cves: []
mitre: ["TA0003:T1136.002", "TA0003:T1136.001", "TA0003:T1098"]
log_families: [evtx, winevent_json, winevent_csv, winevent_jsonl]
key_fields: [signal, account, group_name]
description: >
  The Security-log side of Volexity's "Domain Account User Addition" (attackers adding their own account and granting
  it privileges). Member additions to security-enabled global (4728), local (4732) or universal (4756) groups when the
  group is privileged: by well-known SID, whatever the language (Administrators S-1-5-32-544, Account / Server /
  Print / Backup Operators -548 to -551, and the domain's Domain Admins -512, Schema Admins -518, Enterprise Admins
  -519, Group Policy Creator Owners -520, Key Admins -526, Enterprise Key Admins -527; Sentinel "User account added to
  built in domain local or global group" also keys on well-known SIDs), or by name for DnsAdmins and Exchange
  Organization Administrators (both in Elastic's "User Added to Privileged Group in Active Directory") and the Exchange
  groups that hold rights over the domain or the organization (Organization Management, Exchange Trusted Subsystem,
  Exchange Windows Permissions). And account creations (4720, Sigma
  "Local User Creation"): every local account (its domain is the host itself), and domain accounts created by a
  computer account. The actor is the Subject; when an export carries no event-data names, the SIDs and group names
  are read from the event's values and the names from its (English) rendered message. DC events appear under the
  DC's host name.
why_severity: >
  A privileged-group addition is medium (Sigma's local Administrators rule and Elastic's AD rule rate it medium:
  administrators do it). High when the actor is the computer account of another machine: that is SYSTEM on a server
  (a web shell on Exchange runs as SYSTEM) changing the domain's groups through net group ... /add /domain, which no
  administrator does. A computer account changing its own local groups (domain join, Group Policy restricted groups)
  stays medium. Exchange's RBAC role groups (Organization Management, Exchange Organization Administrators, Exchange
  Trusted Subsystem, Exchange Windows Permissions) changed by a computer account are low: Add-RoleGroupMember from the
  admin center writes them with the Exchange server's account. A local account created by a person is low (Sigma
  low); one created by SYSTEM is medium (installers do it too); a domain account created by a computer account is info:
  New-Mailbox creates every mailbox's account through the Exchange server's account.
false_positives:
  - Administrators adding members to privileged groups; domain joins and Group Policy restricted groups.
  - Exchange provisioning (New-Mailbox, Add-RoleGroupMember) performed with the Exchange server's computer account.
  - Installers creating local service accounts as SYSTEM.
references:
  - https://www.volexity.com/blog/2021/03/02/active-exploitation-of-microsoft-exchange-zero-day-vulnerabilities/
  - https://github.com/SigmaHQ/sigma/blob/master/rules/windows/builtin/security/win_security_user_added_to_local_administrators.yml
  - https://github.com/SigmaHQ/sigma/blob/master/rules/windows/builtin/security/account_management/win_security_member_added_security_enabled_global_group.yml
  - https://github.com/SigmaHQ/sigma/blob/master/rules/windows/builtin/security/win_security_user_creation.yml
  - https://github.com/Azure/Azure-Sentinel/blob/master/Detections/SecurityEvent/UserAccountAddedToPrivlegeGroup_1h.yaml
  - https://github.com/elastic/detection-rules/blob/main/rules/windows/persistence_user_account_added_to_privileged_group_ad.toml
--- */
WITH ev AS (
  SELECT agency, host, event_time, event_id, message, target_user_name,
         lower(coalesce(data_text, '')) AS vals,
         -- Actor: SubjectUserName, else the Subject block of the rendered message.
         coalesce(subject_user_name, trim(regexp_extract(message, 'Subject:\s+Security ID:[^\n]*\n\s*Account Name:\s*([^\r\n]*)', 1))) AS actor,
         try(json_extract_scalar(event_data, '$.TargetDomainName')) AS j_target_domain,
         nullif(try(json_extract_scalar(event_data, '$.MemberName')), '-') AS j_member_name,
         try(json_extract_scalar(event_data, '$.MemberSid')) AS j_member_sid
  FROM windows_events
  WHERE dt BETWEEN ? AND ?
    AND event_id IN (4720, 4728, 4732, 4756) AND lower(channel) = 'security'
),
parsed AS (
  SELECT agency, host, event_time, event_id, actor,
         CASE WHEN event_id = 4720
              THEN coalesce(target_user_name, trim(regexp_extract(message, 'New Account:\s+Security ID:[^\n]*\n\s*Account Name:\s*([^\r\n]*)', 1)))
              ELSE coalesce(j_member_name, j_member_sid,
                            nullif(trim(regexp_extract(message, 'Member:\s+Security ID:[^\n]*\n\s*Account Name:\s*([^\r\n]*)', 1)), '-'),
                            trim(regexp_extract(message, 'Member:\s+Security ID:\s*([^\r\n]*)', 1)))
         END AS account,
         CASE WHEN event_id = 4720
              THEN coalesce(j_target_domain, trim(regexp_extract(message, 'New Account:\s+Security ID:[^\n]*\n\s*Account Name:[^\n]*\n\s*Account Domain:\s*([^\r\n]*)', 1)))
         END AS account_domain,
         CASE WHEN event_id <> 4720 THEN coalesce(target_user_name, trim(regexp_extract(message, 'Group Name:\s*([^\r\n]*)', 1))) END AS group_name,
         -- The privileged group's SID among the event's values (TargetSid; member SIDs are never these RIDs).
         CASE WHEN event_id <> 4720 THEN upper(regexp_extract(vals,
           '(^|\n)(s-1-5-32-(544|548|549|550|551)|s-1-5-21-[0-9]+-[0-9]+-[0-9]+-(512|518|519|520|526|527))(\n|$)', 2)) END AS group_sid,
         event_id <> 4720 AND regexp_like(vals,
           '(^|\n)(dnsadmins|organization management|exchange organization administrators|exchange trusted subsystem|exchange windows permissions)(\n|$)') AS privileged_name,
         -- Exchange's own RBAC role groups: Add-RoleGroupMember (admin center) writes them with the server's account.
         event_id <> 4720 AND regexp_like(vals,
           '(^|\n)(organization management|exchange organization administrators|exchange trusted subsystem|exchange windows permissions)(\n|$)') AS exchange_rbac
  FROM ev
),
tagged AS (
  SELECT agency, host, event_time, actor, account, account_domain, group_name, group_sid, exchange_rbac,
         CASE event_id
           WHEN 4720 THEN CASE WHEN upper(account_domain) = host THEN 'local_account_created' ELSE 'domain_account_created' END
           WHEN 4728 THEN 'global_group_member_added'
           WHEN 4732 THEN 'local_group_member_added'
           ELSE 'universal_group_member_added'
         END AS signal,
         coalesce(actor, '') LIKE '%$' AS machine_actor,
         upper(regexp_replace(coalesce(actor, ''), '\$$', '')) = host AS self_actor,
         event_id <> 4720 AND (group_sid IS NOT NULL OR privileged_name) AS privileged_group
  FROM parsed
)
SELECT agency, host, min(event_time) AS first_seen, max(event_time) AS last_seen, count(*) AS hits,
       CASE min(CASE -- Exchange RBAC role groups written by a server's account: the admin center at work.
                     WHEN exchange_rbac AND group_sid IS NULL AND machine_actor THEN 4
                     WHEN privileged_group AND machine_actor AND NOT self_actor THEN 2
                     -- New-Mailbox creates the AD account through the Exchange server's computer account.
                     WHEN signal = 'domain_account_created' AND machine_actor THEN 5
                     WHEN privileged_group OR machine_actor THEN 3
                     ELSE 4 END)
         WHEN 2 THEN 'high' WHEN 3 THEN 'medium' WHEN 4 THEN 'low' ELSE 'info' END AS severity,
       signal, account, group_name, min(group_sid) AS group_sid, min(account_domain) AS account_domain,
       min(actor) AS actor, count(DISTINCT actor) AS actors
FROM tagged
WHERE privileged_group
   OR signal = 'local_account_created'
   OR (signal = 'domain_account_created' AND machine_actor)
GROUP BY agency, host, signal, account, group_name
