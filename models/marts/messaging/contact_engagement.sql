{#- One row per contact (docs/contracts/marts.md, Messaging) as of as_of_date:
    first and last inbound message, messages in and out in the 30 and 90 dates
    before as_of_date, the 90-day reply rate with its parts, status, the linked
    CRM account and store customer, and the contract's engagement score.
    Messages from as_of_date on are not seen, so the windows and the days since
    the last inbound message never run into the future. Message flags come
    from fct_messages (the one home of the status and 24-hour reply rules). -#}
with

contacts as (select * from {{ ref('stg_messaging__contacts') }}),

messages as (select * from {{ ref('fct_messages') }}),

messages_before_as_of as (
    -- the contract's windows are dates: the last 30 days are the 30 dates before as_of_date
    select
        tenant_id,
        contact_id,
        direction,
        sent_at,
        is_sent,
        is_replied,
        sent_date >= cast({{ dbt.dateadd('day', -30, as_of_date()) }} as date) as is_in_30d,
        sent_date >= cast({{ dbt.dateadd('day', -90, as_of_date()) }} as date) as is_in_90d
    from messages
    where
        contact_id is not null
        and sent_date < {{ as_of_date() }}
),

contact_activity as (
    select
        tenant_id,
        contact_id,
        min(case when direction = 'inbound' then sent_at end) as first_inbound_at,
        max(case when direction = 'inbound' then sent_at end) as last_inbound_at,
        max(sent_at) as last_message_at,
        sum(case when direction = 'inbound' and is_in_30d then 1 else 0 end) as inbound_30d,
        sum(case when direction = 'outbound' and is_in_30d then 1 else 0 end) as outbound_30d,
        sum(case when direction = 'inbound' and is_in_90d then 1 else 0 end) as inbound_90d,
        sum(case when direction = 'outbound' and is_in_90d then 1 else 0 end) as outbound_90d,
        sum(case when direction = 'outbound' and is_in_90d and is_sent then 1 else 0 end) as sent_90d,
        -- a reply counts for a message that reached the phone, so replied <= sent
        -- (DECISIONLOG: rates count within their denominator)
        sum(
            case when direction = 'outbound' and is_in_90d and is_sent and is_replied then 1 else 0 end
        ) as replied_90d
    from messages_before_as_of
    group by tenant_id, contact_id
),

joined as (
    select
        contacts.tenant_id,
        contacts.contact_id,
        contacts.status,
        contacts.crm_account_id,
        contacts.commerce_customer_id,
        contacts.created_at,
        contact_activity.first_inbound_at,
        contact_activity.last_inbound_at,
        contact_activity.last_message_at,
        coalesce(contact_activity.inbound_30d, 0) as inbound_30d,
        coalesce(contact_activity.outbound_30d, 0) as outbound_30d,
        coalesce(contact_activity.inbound_90d, 0) as inbound_90d,
        coalesce(contact_activity.outbound_90d, 0) as outbound_90d,
        coalesce(contact_activity.sent_90d, 0) as sent_90d,
        coalesce(contact_activity.replied_90d, 0) as replied_90d,
        {{ dbt.datediff('cast(contact_activity.last_inbound_at as date)', as_of_date(), 'day') }}
            as days_since_last_inbound
    from contacts
    left join contact_activity
        on contacts.tenant_id = contact_activity.tenant_id
        and contacts.contact_id = contact_activity.contact_id
),

scored as (
    select
        joined.*,
        {{ safe_divide('replied_90d', 'sent_90d') }} as reply_rate_90d
    from joined
),

final as (
    select
        {{ surrogate_key(['tenant_id', 'contact_id']) }} as contact_key,
        tenant_id,
        contact_id,
        status,
        -- opted-out and blocked contacts keep their row and their score: the
        -- score measures what they did, the status whether they may be messaged
        coalesce(status = 'opted_out', false) as is_opted_out,
        coalesce(status = 'blocked', false) as is_blocked,
        crm_account_id,
        commerce_customer_id,
        created_at,
        first_inbound_at,
        last_inbound_at,
        last_message_at,
        inbound_30d,
        outbound_30d,
        inbound_90d,
        outbound_90d,
        sent_90d,
        replied_90d,
        reply_rate_90d,
        days_since_last_inbound,
        -- a contact who never wrote (no last inbound) scores 0 (contract)
        {{ engagement_score('inbound_30d', 'reply_rate_90d', 'days_since_last_inbound') }} as engagement_score
    from scored
)

select * from final
