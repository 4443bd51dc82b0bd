{#- Store CAC per tenant, month and acquisition channel: the channel's paid
    spend in the month (USD) / store customers acquired through it that month
    (cohort month = first paid order), and the payback in months: the first
    month_number at which the channel cohort's cumulative revenue per
    customer reaches the CAC (null while it has not). Channels with spend but
    no customers have a null CAC; channels without spend (organic) have none.
    Margin-based, from the same cohort: gross margin per customer per month
    observed (cohort margin to date / cohort size / months observed), CLV =
    that x var store_clv_lifetime_months, and the margin payback = CAC / that
    monthly margin (the months of margin that recover the CAC; null when the
    margin is not positive or there is no CAC). -#}
with

spend as (select * from {{ ref('int_marketing_spend_by_month') }}),

cohorts as (select * from {{ ref('int_store_cohorts_by_channel') }}),

acquired as (
    select
        tenant_id,
        cohort_month as month,
        acquisition_channel as channel,
        cohort_size as new_customers
    from cohorts
    where month_number = 0
),

keys as (
    {{ complete_period_keys(['spend', 'acquired'], ['tenant_id', 'month', 'channel']) }}
),

cac as (
    select
        keys.tenant_id,
        keys.month,
        keys.channel,
        {{ as_money('coalesce(spend.spend_usd, 0)') }} as spend_usd,
        coalesce(acquired.new_customers, 0) as new_customers,
        {{ safe_divide('spend.spend_usd', 'acquired.new_customers') }} as cac_usd
    from keys
    left join spend
        on {{ keys_match('keys', 'spend', ['tenant_id', 'month', 'channel']) }}
    left join acquired
        on {{ keys_match('keys', 'acquired', ['tenant_id', 'month', 'channel']) }}
),

cohort_to_date as (
    -- each cohort's gross margin to date (exact sums) and the months it has been observed
    select
        tenant_id,
        cohort_month,
        acquisition_channel,
        max(cohort_size) as cohort_size,
        max(month_number) + 1 as months_observed,
        sum(gross_margin) as gross_margin_to_date
    from cohorts
    group by tenant_id, cohort_month, acquisition_channel
),

margin as (
    select
        cohort_to_date.tenant_id,
        cohort_to_date.cohort_month as month,
        cohort_to_date.acquisition_channel as channel,
        cohort_to_date.months_observed,
        cohort_to_date.gross_margin_to_date,
        {{ safe_divide('cohort_to_date.gross_margin_to_date',
                       'cohort_to_date.cohort_size * cohort_to_date.months_observed') }}
            as monthly_margin_per_customer
    from cohort_to_date
),

payback as (
    select
        cac.tenant_id,
        cac.month,
        cac.channel,
        min(cohorts.month_number) as payback_months
    from cac
    inner join cohorts
        on cac.tenant_id = cohorts.tenant_id
        and cac.month = cohorts.cohort_month
        and cac.channel = cohorts.acquisition_channel
        and cac.cac_usd <= cohorts.cumulative_revenue_per_customer
    group by cac.tenant_id, cac.month, cac.channel
),

final as (
    select
        {{ surrogate_key(['cac.tenant_id', 'cac.month', 'cac.channel']) }} as channel_month_key,
        cac.*,
        payback.payback_months,
        margin.months_observed,
        {{ as_money('margin.gross_margin_to_date') }} as gross_margin_to_date_usd,
        -- ratios stay unrounded doubles: rounding them to cents would differ between engines
        margin.monthly_margin_per_customer as monthly_margin_per_customer_usd,
        margin.monthly_margin_per_customer * {{ var('store_clv_lifetime_months') }} as margin_clv_usd,
        {{ safe_divide('margin.monthly_margin_per_customer * ' ~ var('store_clv_lifetime_months'), 'cac.cac_usd') }}
            as margin_clv_to_cac,
        -- a margin that is not positive never recovers the CAC: null, not infinite or negative
        case
            when margin.monthly_margin_per_customer > 0
                then {{ safe_divide('cac.cac_usd', 'margin.monthly_margin_per_customer') }}
        end as margin_payback_months
    from cac
    left join payback
        on cac.tenant_id = payback.tenant_id
        and cac.month = payback.month
        and cac.channel = payback.channel
    left join margin
        on cac.tenant_id = margin.tenant_id
        and cac.month = margin.month
        and cac.channel = margin.channel
)

select * from final
