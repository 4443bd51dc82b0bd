{#- What the churn-risk model (orchestration/churn) learns from and scores: one
    row per tenant, billing customer and cut-off month in which the customer
    has MRR. Every feature is frozen at the end of the cut-off month: it reads
    only months up to the cut-off and events (scores, failed payments,
    cancellation requests) before the first day of the next month. The label
    looks at the months after the cut-off: churned within the next
    `label_months` months, and null (censored, not "did not churn") while that
    window has not yet been seen whole. -#}
{%- set label_months = 3 -%}
with

fct_mrr as (select * from {{ ref('fct_mrr') }}),

customers as (select * from {{ ref('int_billing_customers_linked') }}),

account_health as (select * from {{ ref('int_account_health_by_month') }}),

payments as (select * from {{ ref('stg_billing__payments') }}),

subscriptions as (select * from {{ ref('stg_billing__subscriptions') }}),

mrr_history as (
    -- fct_mrr has one row per month from the first month with MRR (gaps
    -- included), so the row offsets below are month offsets
    select
        tenant_id,
        customer_id,
        month,
        mrr,
        movement,
        min(month) over (partition by tenant_id, customer_id) as first_month,
        coalesce(lag(mrr, 3) over (
            partition by tenant_id, customer_id order by month
        ), 0) as mrr_3_months_earlier,
        sum(case when movement = 'contraction' then 1 else 0 end) over (
            partition by tenant_id, customer_id order by month
            rows between 5 preceding and current row
        ) as contractions_6m,
        sum(case when movement = 'expansion' then 1 else 0 end) over (
            partition by tenant_id, customer_id order by month
            rows between 5 preceding and current row
        ) as expansions_6m,
        sum(case when movement = 'churn' then 1 else 0 end) over (
            partition by tenant_id, customer_id order by month
            rows between unbounded preceding and current row
        ) as previous_churns,
        -- the label: only rows after the cut-off, never read by a feature
        max(case when movement = 'churn' then 1 else 0 end) over (
            partition by tenant_id, customer_id order by month
            rows between 1 following and {{ label_months }} following
        ) as churns_in_window,
        lead(movement) over (partition by tenant_id, customer_id order by month) as next_movement
    from fct_mrr
),

cutoffs as (
    select
        mrr_history.*,
        cast({{ dbt.dateadd('month', 1, 'mrr_history.month') }} as date) as next_month,
        cast({{ dbt.dateadd('month', -1, 'mrr_history.month') }} as date) as previous_month,
        cast({{ dbt.dateadd('month', -2, 'mrr_history.month') }} as date) as failed_payments_from_month,
        cast({{ dbt.datediff('mrr_history.first_month', 'mrr_history.month', 'month') }} as {{ dbt.type_bigint() }}) -- noqa: LT05
        + 1 as tenure_months,
        cast({{ dbt.dateadd('month', label_months, 'mrr_history.month') }} as date)
            as label_window_end_month
    from mrr_history
    where mrr_history.mrr > 0
),

failed_payments_by_month as (
    select
        tenant_id,
        customer_id,
        cast({{ dbt.date_trunc('month', 'created_at') }} as date) as month,
        count(*) as failed_payments
    from payments
    where status = 'failed'
    group by 1, 2, 3
),

failed_payments_3m as (
    select
        cutoffs.tenant_id,
        cutoffs.customer_id,
        cutoffs.month,
        sum(failed_payments_by_month.failed_payments) as failed_payments_3m
    from cutoffs
    inner join failed_payments_by_month
        on cutoffs.tenant_id = failed_payments_by_month.tenant_id
        and cutoffs.customer_id = failed_payments_by_month.customer_id
        and cutoffs.month >= failed_payments_by_month.month
        and cutoffs.failed_payments_from_month <= failed_payments_by_month.month
    group by 1, 2, 3
),

pending_cancellations as (
    -- asked to cancel before the cut-off, service not yet ended at it
    select
        cutoffs.tenant_id,
        cutoffs.customer_id,
        cutoffs.month,
        count(*) as pending_cancellations
    from cutoffs
    inner join subscriptions
        on cutoffs.tenant_id = subscriptions.tenant_id
        and cutoffs.customer_id = subscriptions.customer_id
        and cutoffs.next_month > subscriptions.canceled_at
        and (subscriptions.ended_at is null or cutoffs.next_month <= subscriptions.ended_at)
    group by 1, 2, 3
),

features as (
    select
        cutoffs.tenant_id,
        cutoffs.customer_id,
        cutoffs.month as cutoff_month,
        customers.segment,
        cutoffs.tenure_months,
        cutoffs.mrr,
        cast(cutoffs.mrr - cutoffs.mrr_3_months_earlier as numeric(18, 4)) as mrr_change_3m,
        cutoffs.contractions_6m,
        cutoffs.expansions_6m,
        cutoffs.previous_churns,
        health_now.health_score,
        health_now.health_score - health_before.health_score as health_change_1m,
        coalesce(health_now.health_band in ('at_risk', 'critical'), false) as is_health_at_risk,
        coalesce(failed_payments_3m.failed_payments_3m, 0) as failed_payments_3m,
        coalesce(pending_cancellations.pending_cancellations, 0) > 0 as has_pending_cancellation,
        cutoffs.label_window_end_month,
        cutoffs.label_window_end_month <= {{ last_complete_month() }} as is_label_complete,
        case
            when cutoffs.label_window_end_month <= {{ last_complete_month() }}
                then coalesce(cutoffs.churns_in_window, 0) = 1
        end as churned_within_3_months,
        -- the one-month label the survival model of lifetime value is fitted on
        case
            when cutoffs.next_month <= {{ last_complete_month() }}
                then coalesce(cutoffs.next_movement = 'churn', false)
        end as churned_next_month
    from cutoffs
    left join customers
        on cutoffs.tenant_id = customers.tenant_id
        and cutoffs.customer_id = customers.customer_id
    left join account_health as health_now
        on customers.tenant_id = health_now.tenant_id
        and customers.account_id = health_now.account_id
        and cutoffs.month = health_now.month
    left join account_health as health_before
        on customers.tenant_id = health_before.tenant_id
        and customers.account_id = health_before.account_id
        and cutoffs.previous_month = health_before.month
    left join failed_payments_3m
        on cutoffs.tenant_id = failed_payments_3m.tenant_id
        and cutoffs.customer_id = failed_payments_3m.customer_id
        and cutoffs.month = failed_payments_3m.month
    left join pending_cancellations
        on cutoffs.tenant_id = pending_cancellations.tenant_id
        and cutoffs.customer_id = pending_cancellations.customer_id
        and cutoffs.month = pending_cancellations.month
),

final as (
    select
        {{ surrogate_key(['tenant_id', 'customer_id', 'cutoff_month']) }} as customer_cutoff_key,
        features.*
    from features
)

select * from final
