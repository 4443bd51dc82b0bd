{#- One row per churn: a billing customer whose MRR fell to 0 in a month,
    with the MRR lost, how long it had paid, its segment and owner, and its
    last health score and band before the churn (latest score on or before
    the churn month's last day). -#}
with

fct_mrr as (select * from {{ ref('fct_mrr') }}),

customers as (select * from {{ ref('int_billing_customers_with_accounts') }}),

health_scores as (select * from {{ ref('stg_crm__health_scores') }}),

health_bands as (select * from {{ ref('health_bands') }}),

months as (select * from {{ ref('util_months') }}),

churns as (
    select
        tenant_id,
        customer_id,
        month as churn_month,
        previous_mrr as lost_mrr
    from fct_mrr
    where movement = 'churn'
),

paid_history as (
    select
        churns.tenant_id,
        churns.customer_id,
        churns.churn_month,
        min(fct_mrr.month) as first_paid_month,
        sum(case when fct_mrr.is_active then 1 else 0 end) as paid_months
    from churns
    inner join fct_mrr
        on churns.tenant_id = fct_mrr.tenant_id
        and churns.customer_id = fct_mrr.customer_id
        and churns.churn_month > fct_mrr.month
    group by 1, 2, 3
),

came_back as (
    select distinct
        churns.tenant_id,
        churns.customer_id,
        churns.churn_month
    from churns
    inner join fct_mrr
        on churns.tenant_id = fct_mrr.tenant_id
        and churns.customer_id = fct_mrr.customer_id
        and churns.churn_month < fct_mrr.month
        and fct_mrr.movement = 'reactivation'
),

last_scores as (
    select
        churns.tenant_id,
        churns.customer_id,
        churns.churn_month,
        health_scores.health_score,
        health_scores.scored_on,
        row_number() over (
            partition by churns.tenant_id, churns.customer_id, churns.churn_month
            order by health_scores.scored_on desc
        ) as score_rank
    from churns
    inner join customers
        on churns.tenant_id = customers.tenant_id
        and churns.customer_id = customers.customer_id
    inner join months
        on churns.churn_month = months.month
    inner join health_scores
        on customers.tenant_id = health_scores.tenant_id
        and customers.account_id = health_scores.account_id
        and months.month_end_date >= health_scores.scored_on
),

final as (
    select
        {{ surrogate_key(['churns.tenant_id', 'churns.customer_id', 'churns.churn_month']) }} as churn_key,
        churns.tenant_id,
        churns.customer_id,
        churns.churn_month,
        churns.lost_mrr,
        paid_history.first_paid_month,
        paid_history.paid_months,
        {{ dbt.datediff("paid_history.first_paid_month", "churns.churn_month", "month") }} as tenure_months, -- noqa: LT05
        customers.segment,
        customers.owner_user_id,
        last_scores.health_score as last_health_score,
        last_scores.scored_on as last_scored_on,
        health_bands.health_band as last_health_band,
        came_back.customer_id is not null as has_reactivated_since
    from churns
    inner join paid_history
        on churns.tenant_id = paid_history.tenant_id
        and churns.customer_id = paid_history.customer_id
        and churns.churn_month = paid_history.churn_month
    left join customers
        on churns.tenant_id = customers.tenant_id
        and churns.customer_id = customers.customer_id
    left join last_scores
        on churns.tenant_id = last_scores.tenant_id
        and churns.customer_id = last_scores.customer_id
        and churns.churn_month = last_scores.churn_month
        and last_scores.score_rank = 1
    left join health_bands
        on last_scores.health_score between health_bands.min_score and health_bands.max_score
    left join came_back
        on churns.tenant_id = came_back.tenant_id
        and churns.customer_id = came_back.customer_id
        and churns.churn_month = came_back.churn_month
)

select * from final
