{#- The MRR bridge per tenant and month (docs/contracts/marts.md): starting +
    new + expansion + reactivation + contraction + churned = ending, exactly,
    with customer counts, churn and retention rates (null when the denominator
    is 0) and trailing-12-month NRR and GRR; expansion split into upsell and
    cross-sell (fct_mrr's split), logo retention and expansion rates with
    their parts, and the customers onboarding at each month's end. Months are dense from the tenant's
    first month with MRR through the last complete month. -#}
with

fct_mrr as (select * from {{ ref('fct_mrr') }}),

customer_mrr as (select * from {{ ref('int_customer_mrr_by_month') }}),

months as (select * from {{ ref('util_months') }}),

onboarding as (select * from {{ ref('int_customer_onboarding_spans') }}),

tenant_months as (
    select
        tenant_spans.tenant_id,
        months.month
    from (
        select
            tenant_id,
            min(month) as first_month
        from fct_mrr
        group by tenant_id
    ) as tenant_spans
    inner join months
        on tenant_spans.first_month <= months.month
),

movements as (
    select
        tenant_id,
        month,
        sum(previous_mrr) as starting_mrr,
        sum(case when movement = 'new' then mrr_change else 0 end) as new_mrr,
        sum(case when movement = 'expansion' then mrr_change else 0 end) as expansion_mrr,
        sum(upsell_mrr) as upsell_mrr,
        sum(cross_sell_mrr) as cross_sell_mrr,
        sum(case when movement = 'reactivation' then mrr_change else 0 end) as reactivation_mrr,
        sum(case when movement = 'contraction' then mrr_change else 0 end) as contraction_mrr,
        sum(case when movement = 'churn' then mrr_change else 0 end) as churned_mrr,
        sum(mrr) as ending_mrr,
        sum(case when mrr > 0 then 1 else 0 end) as active_customers,
        sum(case when previous_mrr > 0 then 1 else 0 end) as starting_customers,
        -- customers active at the start and still active: a reactivation is not retention
        sum(case when previous_mrr > 0 and mrr > 0 then 1 else 0 end) as retained_customers,
        sum(case when movement = 'new' then 1 else 0 end) as new_customers,
        sum(case when movement = 'churn' then 1 else 0 end) as churned_customers,
        sum(case when movement = 'reactivation' then 1 else 0 end) as reactivated_customers,
        sum(case when movement = 'expansion' then 1 else 0 end) as expanded_customers,
        sum(case when movement = 'contraction' then 1 else 0 end) as contracted_customers
    from fct_mrr
    group by tenant_id, month
),

dense as (
    select
        tenant_months.tenant_id,
        tenant_months.month,
        coalesce(movements.starting_mrr, 0) as starting_mrr,
        coalesce(movements.new_mrr, 0) as new_mrr,
        coalesce(movements.expansion_mrr, 0) as expansion_mrr,
        coalesce(movements.upsell_mrr, 0) as upsell_mrr,
        coalesce(movements.cross_sell_mrr, 0) as cross_sell_mrr,
        coalesce(movements.reactivation_mrr, 0) as reactivation_mrr,
        coalesce(movements.contraction_mrr, 0) as contraction_mrr,
        coalesce(movements.churned_mrr, 0) as churned_mrr,
        coalesce(movements.ending_mrr, 0) as ending_mrr,
        coalesce(movements.active_customers, 0) as active_customers,
        coalesce(movements.starting_customers, 0) as starting_customers,
        coalesce(movements.retained_customers, 0) as retained_customers,
        coalesce(movements.new_customers, 0) as new_customers,
        coalesce(movements.churned_customers, 0) as churned_customers,
        coalesce(movements.reactivated_customers, 0) as reactivated_customers,
        coalesce(movements.expanded_customers, 0) as expanded_customers,
        coalesce(movements.contracted_customers, 0) as contracted_customers
    from tenant_months
    left join movements
        on tenant_months.tenant_id = movements.tenant_id
        and tenant_months.month = movements.month
),

onboarding_counts as (
    -- onboarding at the month's end: won by then, no MRR yet in the month
    select
        onboarding.tenant_id,
        months.month,
        count(*) as onboarding_customers
    from onboarding
    inner join months
        on onboarding.onboarding_start_month <= months.month
        and (onboarding.onboarding_end_month is null or onboarding.onboarding_end_month > months.month)
    group by onboarding.tenant_id, months.month
),

-- trailing 12 months: the customers active 12 months before, their MRR now vs then
year_ago_cohorts as (
    select
        cohort.tenant_id,
        cast({{ dbt.dateadd('month', 12, 'cohort.month') }} as date) as month,
        cohort.mrr as mrr_then,
        coalesce(now_.mrr, 0) as mrr_now
    from customer_mrr as cohort
    left join customer_mrr as now_
        on cohort.tenant_id = now_.tenant_id
        and cohort.customer_id = now_.customer_id
        and now_.month = cast({{ dbt.dateadd('month', 12, 'cohort.month') }} as date)
),

trailing_retention as (
    select
        tenant_id,
        month,
        sum(mrr_then) as year_ago_mrr,
        sum(mrr_now) as year_ago_customers_mrr_now,
        sum(case when mrr_now < mrr_then then mrr_now else mrr_then end) as year_ago_customers_capped_mrr_now
    from year_ago_cohorts
    group by tenant_id, month
),

rates as (
    select
        dense.*,
        dense.ending_mrr - dense.starting_mrr as net_new_mrr,
        dense.ending_mrr * 12 as arr,
        {{ safe_divide('dense.ending_mrr - dense.starting_mrr', 'dense.starting_mrr') }} as mrr_growth_rate,
        {{ safe_divide('dense.churned_customers', 'dense.starting_customers') }} as logo_churn_rate,
        {{ safe_divide('dense.retained_customers', 'dense.starting_customers') }} as logo_retention_rate,
        {{ safe_divide('dense.expansion_mrr', 'dense.starting_mrr') }} as expansion_rate,
        coalesce(onboarding_counts.onboarding_customers, 0) as onboarding_customers,
        {{ safe_divide('-(dense.contraction_mrr + dense.churned_mrr)', 'dense.starting_mrr') }}
            as gross_revenue_churn_rate,
        {{ safe_divide('dense.starting_mrr + dense.expansion_mrr + dense.contraction_mrr + dense.churned_mrr',
                       'dense.starting_mrr') }} as net_revenue_retention,
        {{ safe_divide('dense.starting_mrr + dense.contraction_mrr + dense.churned_mrr', 'dense.starting_mrr') }}
            as gross_revenue_retention,
        {{ safe_divide('trailing_retention.year_ago_customers_mrr_now', 'trailing_retention.year_ago_mrr') }}
            as trailing_12m_net_revenue_retention,
        {{ safe_divide('trailing_retention.year_ago_customers_capped_mrr_now', 'trailing_retention.year_ago_mrr') }}
            as trailing_12m_gross_revenue_retention
    from dense
    left join trailing_retention
        on dense.tenant_id = trailing_retention.tenant_id
        and dense.month = trailing_retention.month
    left join onboarding_counts
        on dense.tenant_id = onboarding_counts.tenant_id
        and dense.month = onboarding_counts.month
),

final as (
    select
        {{ surrogate_key(['tenant_id', 'month']) }} as tenant_month_key,
        tenant_id,
        month,
        {{ as_money('starting_mrr') }} as starting_mrr,
        {{ as_money('new_mrr') }} as new_mrr,
        {{ as_money('expansion_mrr') }} as expansion_mrr,
        {{ as_money('upsell_mrr') }} as upsell_mrr,
        {{ as_money('cross_sell_mrr') }} as cross_sell_mrr,
        {{ as_money('reactivation_mrr') }} as reactivation_mrr,
        {{ as_money('contraction_mrr') }} as contraction_mrr,
        {{ as_money('churned_mrr') }} as churned_mrr,
        {{ as_money('ending_mrr') }} as ending_mrr,
        {{ as_money('net_new_mrr') }} as net_new_mrr,
        {{ as_money('arr') }} as arr,
        mrr_growth_rate,
        active_customers,
        starting_customers,
        new_customers,
        churned_customers,
        reactivated_customers,
        expanded_customers,
        contracted_customers,
        retained_customers,
        onboarding_customers,
        logo_churn_rate,
        logo_retention_rate,
        expansion_rate,
        gross_revenue_churn_rate,
        net_revenue_retention,
        gross_revenue_retention,
        trailing_12m_net_revenue_retention,
        trailing_12m_gross_revenue_retention
    from rates
)

select * from final
