{#- One row per outbound message that has status events: the contract's status
    timestamps from its webhooks, whatever their order or repetition
    (docs/contracts/marts.md, Messaging): the earliest of each status, read
    implying delivered, and the error code of the earliest failure. -#}
with

status_events as (select * from {{ ref('stg_messaging__message_status_events') }}),

earliest as (
    select
        tenant_id,
        message_id,
        min(case when status = 'sent' then occurred_at end) as sent_status_at,
        min(case when status = 'delivered' then occurred_at end) as delivered_event_at,
        min(case when status = 'read' then occurred_at end) as read_at,
        min(case when status = 'failed' then occurred_at end) as failed_event_at
    from status_events
    group by tenant_id, message_id
),

failures_ranked as (
    select
        tenant_id,
        message_id,
        error_code,
        row_number() over (
            partition by tenant_id, message_id order by occurred_at, message_status_event_id
        ) as failure_rank
    from status_events
    where status = 'failed'
),

final as (
    select
        earliest.tenant_id,
        earliest.message_id,
        earliest.sent_status_at,
        -- a read message was delivered, even when its delivered webhook never came
        coalesce(earliest.delivered_event_at, earliest.read_at) as delivered_at,
        earliest.read_at,
        earliest.failed_event_at,
        coalesce(earliest.sent_status_at, earliest.delivered_event_at, earliest.read_at) is not null as is_sent,
        coalesce(earliest.delivered_event_at, earliest.read_at) is not null as is_delivered,
        earliest.read_at is not null as is_read,
        earliest.failed_event_at is not null
        and earliest.delivered_event_at is null
        and earliest.read_at is null as is_failed,
        failures_ranked.error_code
    from earliest
    left join failures_ranked
        on earliest.tenant_id = failures_ranked.tenant_id
        and earliest.message_id = failures_ranked.message_id
        and failures_ranked.failure_rank = 1
)

select * from final
