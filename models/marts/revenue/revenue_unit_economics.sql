{#- ARPA, LTV, CAC and LTV:CAC per tenant and month. LTV = ARPA / logo churn
    rate, with the churn rate pooled over the trailing 6 months (churned
    customers / customers at the start of each month) so one quiet month does
    not make LTV infinite. CAC = all paid marketing spend in the month (USD) /
    new subscription customers in the month: a blended CAC (spend is not split
    between store and subscription acquisition in the sources). Null wherever
    a denominator is 0. -#}
with

mrr_monthly as (select * from {{ ref('mrr_monthly') }}),

spend as (select * from {{ ref('int_marketing_spend_by_month') }}),

spend_by_month as (
    select
        tenant_id,
        month,
        sum(spend_usd) as marketing_spend_usd
    from spend
    group by 1, 2
),

rolling as (
    select
        mrr_monthly.tenant_id,
        mrr_monthly.month,
        mrr_monthly.ending_mrr,
        mrr_monthly.active_customers,
        mrr_monthly.new_customers,
        sum(mrr_monthly.churned_customers) over (
            partition by mrr_monthly.tenant_id order by mrr_monthly.month
            rows between 5 preceding and current row
        ) as churned_customers_6m,
        sum(mrr_monthly.starting_customers) over (
            partition by mrr_monthly.tenant_id order by mrr_monthly.month
            rows between 5 preceding and current row
        ) as starting_customers_6m
    from mrr_monthly
),

unit_economics as (
    select
        rolling.tenant_id,
        rolling.month,
        rolling.ending_mrr,
        rolling.active_customers,
        rolling.new_customers,
        {{ safe_divide('rolling.ending_mrr', 'rolling.active_customers') }} as arpa,
        {{ safe_divide('rolling.churned_customers_6m', 'rolling.starting_customers_6m') }}
            as logo_churn_rate_6m,
        {{ as_money('coalesce(spend_by_month.marketing_spend_usd, 0)') }} as marketing_spend_usd
    from rolling
    left join spend_by_month
        on rolling.tenant_id = spend_by_month.tenant_id
        and rolling.month = spend_by_month.month
),

with_ltv as (
    select
        unit_economics.*,
        {{ safe_divide('arpa', 'logo_churn_rate_6m') }} as ltv,
        {{ safe_divide('marketing_spend_usd', 'new_customers') }} as cac
    from unit_economics
),

final as (
    select
        {{ surrogate_key(['tenant_id', 'month']) }} as tenant_month_key,
        with_ltv.*,
        {{ safe_divide('ltv', 'cac') }} as ltv_to_cac
    from with_ltv
)

select * from final
