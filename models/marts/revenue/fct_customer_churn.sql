{#- One row per churn: a billing customer whose MRR fell to 0 in a month,
    with the MRR lost, how long it had paid, its segment and owner, and its
    last health score and band on or before the churn month (the account's
    last score of the latest month scored up to the churn month). -#}
-- BigQuery: partitioned by churn_month (a partition per month),
-- clustered by tenant (then segment): a dashboard's tenant and date filters
-- read a fraction of the table (other engines ignore both)
{{
    config(
        partition_by=({'field': 'churn_month', 'data_type': 'date', 'granularity': 'month'}
                      if target.type == 'bigquery' else none),
        cluster_by=(['tenant_id', 'segment'] if target.type == 'bigquery' else none),
    )
}}
with

fct_mrr as (select * from {{ ref('fct_mrr') }}),

customers as (select * from {{ ref('int_billing_customers_linked') }}),

account_health as (select * from {{ ref('int_account_health_by_month') }}),

customer_history as (
    -- one pass over the customer's months: what came before and after each one
    select
        tenant_id,
        customer_id,
        month,
        movement,
        previous_mrr,
        min(month) over (partition by tenant_id, customer_id) as first_paid_month,
        sum(case when is_active then 1 else 0 end) over (
            partition by tenant_id, customer_id order by month
            rows between unbounded preceding and current row
        ) as paid_months,
        max(case when movement = 'reactivation' then month end) over (
            partition by tenant_id, customer_id
        ) as last_reactivation_month
    from fct_mrr
),

churns as (
    select
        customer_history.tenant_id,
        customer_history.customer_id,
        customers.account_id,
        customer_history.month as churn_month,
        customer_history.previous_mrr as lost_mrr,
        customer_history.first_paid_month,
        customer_history.paid_months,
        coalesce(customer_history.last_reactivation_month > customer_history.month, false)
            as has_reactivated_since,
        customers.segment,
        customers.owner_user_id
    from customer_history
    left join customers
        on customer_history.tenant_id = customers.tenant_id
        and customer_history.customer_id = customers.customer_id
    where customer_history.movement = 'churn'
),

last_scores as (
    select
        churns.tenant_id,
        churns.customer_id,
        churns.churn_month,
        account_health.health_score,
        account_health.scored_on,
        account_health.health_band,
        row_number() over (
            partition by churns.tenant_id, churns.customer_id, churns.churn_month
            order by account_health.month desc
        ) as score_rank
    from churns
    inner join account_health
        on churns.tenant_id = account_health.tenant_id
        and churns.account_id = account_health.account_id
        and churns.churn_month >= account_health.month
),

final as (
    select
        {{ surrogate_key(['churns.tenant_id', 'churns.customer_id', 'churns.churn_month']) }} as churn_key,
        churns.tenant_id,
        churns.customer_id,
        churns.churn_month,
        churns.lost_mrr,
        churns.first_paid_month,
        churns.paid_months,
        cast({{ dbt.datediff("churns.first_paid_month", "churns.churn_month", "month") }} as {{ dbt.type_bigint() }}) as tenure_months, -- noqa: LT05
        churns.segment,
        churns.owner_user_id,
        last_scores.health_score as last_health_score,
        last_scores.scored_on as last_scored_on,
        last_scores.health_band as last_health_band,
        churns.has_reactivated_since
    from churns
    left join last_scores
        on churns.tenant_id = last_scores.tenant_id
        and churns.customer_id = last_scores.customer_id
        and churns.churn_month = last_scores.churn_month
        and last_scores.score_rank = 1
)

select * from final
