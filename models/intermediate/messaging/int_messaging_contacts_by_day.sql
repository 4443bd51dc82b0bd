{#- One row per tenant, WhatsApp account (null = all the tenant's accounts)
    and day: contacts new that day and the contact stocks at the day's end,
    which messaging_snapshots reads at each period's end.
    A contact belongs to the tenant from its creation and to an account from
    its first conversation there. Blocked at the day's end means blocked now
    and last changed by then (staging keeps only the latest status, so an
    unblocked contact's past block is not seen). Stocks are running sums of
    daily changes, so the model grows with days, not contacts x days. -#}
with

contacts as (select * from {{ ref('stg_messaging__contacts') }}),

conversations as (select * from {{ ref('int_conversations_enriched') }}),

accounts as (select * from {{ ref('stg_messaging__whatsapp_accounts') }}),

days as (select * from {{ ref('util_days') }}),

contact_scopes as (
    -- the tenant's total: from creation
    select
        contacts.tenant_id,
        cast(null as {{ dbt.type_string() }}) as whatsapp_account_id,
        contacts.contact_id,
        contacts.status,
        cast(contacts.created_at as date) as joined_date,
        cast(contacts.updated_at as date) as updated_date
    from contacts
    union all
    -- an account: from the contact's first conversation on it (never before its creation)
    select
        contacts.tenant_id,
        conversations.whatsapp_account_id,
        contacts.contact_id,
        contacts.status,
        greatest(cast(contacts.created_at as date), min(conversations.started_date)) as joined_date,
        cast(contacts.updated_at as date) as updated_date
    from contacts
    inner join conversations
        on contacts.tenant_id = conversations.tenant_id
        and contacts.contact_id = conversations.contact_id
    group by
        contacts.tenant_id, conversations.whatsapp_account_id, contacts.contact_id, contacts.status,
        contacts.created_at, contacts.updated_at
),

stock_changes as (
    select
        tenant_id,
        whatsapp_account_id,
        joined_date as day,
        1 as joined,
        0 as blocked
    from contact_scopes
    union all
    select
        tenant_id,
        whatsapp_account_id,
        greatest(joined_date, updated_date) as day,
        0 as joined,
        1 as blocked
    from contact_scopes
    where status = 'blocked'
),

stock_changes_by_day as (
    select
        tenant_id,
        whatsapp_account_id,
        day,
        sum(joined) as joined,
        sum(blocked) as blocked
    from stock_changes
    group by tenant_id, whatsapp_account_id, day
),

scopes as (
    select
        tenant_id,
        whatsapp_account_id
    from accounts
    union all
    select distinct
        tenant_id,
        cast(null as {{ dbt.type_string() }}) as whatsapp_account_id
    from accounts
),

scope_first_days as (
    select
        tenant_id,
        min(day) as first_day
    from stock_changes_by_day
    group by tenant_id
),

spine as (
    select
        scopes.tenant_id,
        scopes.whatsapp_account_id,
        days.day
    from scopes
    inner join scope_first_days
        on scopes.tenant_id = scope_first_days.tenant_id
    inner join days
        on scope_first_days.first_day <= days.day
),

final as (
    select
        spine.tenant_id,
        spine.whatsapp_account_id,
        spine.day,
        coalesce(stock_changes_by_day.joined, 0) as contacts_new,
        sum(coalesce(stock_changes_by_day.joined, 0)) over (
            partition by spine.tenant_id, spine.whatsapp_account_id order by spine.day
            rows between unbounded preceding and current row
        ) as contacts_total,
        sum(coalesce(stock_changes_by_day.blocked, 0)) over (
            partition by spine.tenant_id, spine.whatsapp_account_id order by spine.day
            rows between unbounded preceding and current row
        ) as contacts_blocked
    from spine
    left join stock_changes_by_day
        on spine.tenant_id = stock_changes_by_day.tenant_id
        and spine.whatsapp_account_id is not distinct from stock_changes_by_day.whatsapp_account_id
        and spine.day = stock_changes_by_day.day
)

select * from final
