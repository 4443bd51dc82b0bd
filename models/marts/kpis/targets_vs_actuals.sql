{#- Targets against actuals per tenant, metric and month: the actual read from the mart that owns
    the metric, attainment = actual / target for complete months, and for the running and future
    months the attainment the forecast expects at the month's end (docs/DECISIONLOG.md, "Targets").
    No metric is recomputed here: MRR and new MRR are mrr_monthly's, the won amount is
    sales_pipeline_monthly's (summed over opportunity types), store revenue is period_kpis'. -#}
with

targets as (select * from {{ ref('targets_monthly') }}),

mrr_monthly as (select * from {{ ref('mrr_monthly') }}),

pipeline as (select * from {{ ref('sales_pipeline_monthly') }}),

kpis as (select * from {{ ref('period_kpis') }}),

forecasts as (select * from {{ ref('stg_forecast__revenue_forecasts') }}),

target_months as (
    select
        tenant_id,
        metric,
        cast(month as date) as month,
        {{ period_end('cast(month as date)', 'month') }} as month_end,
        {{ is_complete_period('cast(month as date)', 'month') }} as is_complete,
        currency,
        target
    from targets
),

actuals_by_month as (
    select
        tenant_id,
        month,
        'mrr' as metric,
        ending_mrr as actual
    from mrr_monthly
    union all
    select
        tenant_id,
        month,
        'new_mrr' as metric,
        new_mrr as actual
    from mrr_monthly
    union all
    -- the mart's grain is month x opportunity type: the month's won amount is their sum
    select
        tenant_id,
        month,
        'won_amount' as metric,
        sum(won_amount_usd) as actual
    from pipeline
    group by tenant_id, month
    union all
    select
        tenant_id,
        period_start as month,
        'store_revenue' as metric,
        revenue_usd as actual
    from kpis
    where period_type = 'month'
),

daily_store_revenue as (
    select
        tenant_id,
        period_start as day,
        revenue_usd
    from kpis
    where period_type = 'day'
),

store_forecast_windows as (
    -- the weekly forecast's first day and last covered day (its last Monday + 6)
    select
        tenant_id,
        min(period_start) as first_forecast_day,
        cast({{ dbt.dateadd('day', 6, 'max(period_start)') }} as date) as last_forecast_day,
        max(model) as model
    from forecasts
    where series = 'store_net_revenue'
    group by tenant_id
),

mrr_forecast_tenants as (
    select distinct tenant_id
    from forecasts
    where series = 'ending_mrr'
),

mrr_forecast_by_month as (
    select
        tenant_id,
        period_start as month,
        point_forecast,
        lower_80,
        upper_80,
        model
    from forecasts
    where series = 'ending_mrr'
),

store_actual_before_forecast as (
    -- the month's days before the first forecast week are complete days: their actual revenue
    select
        target_months.tenant_id,
        target_months.month,
        sum(daily_store_revenue.revenue_usd) as revenue_usd
    from target_months
    inner join store_forecast_windows
        on target_months.tenant_id = store_forecast_windows.tenant_id
    inner join daily_store_revenue
        on target_months.tenant_id = daily_store_revenue.tenant_id
        and target_months.month <= daily_store_revenue.day
        and target_months.month_end >= daily_store_revenue.day
        and store_forecast_windows.first_forecast_day > daily_store_revenue.day
    where target_months.metric = 'store_revenue'
    group by target_months.tenant_id, target_months.month
),

store_forecast_weeks_in_month as (
    -- a forecast week that straddles two months counts in each by its days there (7 per week)
    select
        target_months.tenant_id,
        target_months.month,
        forecasts.point_forecast,
        {{ dbt.datediff(
            'greatest(forecasts.period_start, target_months.month)',
            'least(' ~ dbt.dateadd('day', 6, 'forecasts.period_start') ~ ', target_months.month_end)',
            'day') }} + 1 as days_in_month
    from target_months
    inner join forecasts
        on target_months.tenant_id = forecasts.tenant_id
        and forecasts.series = 'store_net_revenue'
        and target_months.month_end >= forecasts.period_start
        and {{ dbt.dateadd('day', 6, 'forecasts.period_start') }} >= target_months.month
    where target_months.metric = 'store_revenue'
),

store_forecast_by_month as (
    select
        tenant_id,
        month,
        sum(point_forecast * days_in_month / 7.0) as forecast_revenue_usd
    from store_forecast_weeks_in_month
    group by tenant_id, month
),

expected_by_month as (
    select
        target_months.tenant_id,
        target_months.metric,
        target_months.month,
        case
            when target_months.is_complete then null
            when target_months.metric = 'mrr' then mrr_forecast_by_month.point_forecast
            when
                target_months.metric = 'store_revenue'
                and store_forecast_windows.last_forecast_day >= target_months.month_end
                then
                    coalesce(store_actual_before_forecast.revenue_usd, 0)
                    + coalesce(store_forecast_by_month.forecast_revenue_usd, 0)
        end as expected_value,
        -- the month's own interval: a sum of weekly intervals is not the month's, so MRR only
        case
            when not target_months.is_complete and target_months.metric = 'mrr'
                then mrr_forecast_by_month.lower_80
        end as expected_lower_80,
        case
            when not target_months.is_complete and target_months.metric = 'mrr'
                then mrr_forecast_by_month.upper_80
        end as expected_upper_80,
        case
            when target_months.metric = 'mrr' then mrr_forecast_by_month.model
            when target_months.metric = 'store_revenue' then store_forecast_windows.model
        end as window_model,
        case
            when target_months.is_complete then 'complete month: attainment is the actual'
            when target_months.metric not in ('mrr', 'store_revenue')
                then 'no forecast series for this metric'
            when target_months.metric = 'mrr' and mrr_forecast_by_month.point_forecast is not null
                then 'ending_mrr forecast for the month'
            when target_months.metric = 'mrr' and mrr_forecast_tenants.tenant_id is null
                then 'no forecast for this tenant yet'
            when target_months.metric = 'mrr' then 'month beyond the forecast horizon'
            when store_forecast_windows.tenant_id is null then 'no forecast for this tenant yet'
            when store_forecast_windows.last_forecast_day >= target_months.month_end
                then
                    'actual days before the first forecast week plus the weekly '
                    || 'store_net_revenue forecast spread evenly over the 7 days of each week'
            else 'month beyond the forecast horizon'
        end as expected_basis
    from target_months
    left join mrr_forecast_by_month
        on target_months.tenant_id = mrr_forecast_by_month.tenant_id
        and target_months.month = mrr_forecast_by_month.month
    left join mrr_forecast_tenants
        on target_months.tenant_id = mrr_forecast_tenants.tenant_id
    left join store_forecast_windows
        on target_months.tenant_id = store_forecast_windows.tenant_id
    left join store_actual_before_forecast
        on target_months.tenant_id = store_actual_before_forecast.tenant_id
        and target_months.month = store_actual_before_forecast.month
    left join store_forecast_by_month
        on target_months.tenant_id = store_forecast_by_month.tenant_id
        and target_months.month = store_forecast_by_month.month
),

final as (
    select
        {{ surrogate_key(['target_months.tenant_id', 'target_months.metric', 'target_months.month']) }}
            as target_key,
        target_months.tenant_id,
        target_months.metric,
        -- the name a chart or a report shows for the metric
        case target_months.metric
            when 'mrr' then 'MRR'
            when 'new_mrr' then 'New MRR'
            when 'won_amount' then 'Won amount'
            when 'store_revenue' then 'Store revenue'
        end as metric_name,
        target_months.month,
        target_months.is_complete,
        target_months.currency,
        {{ as_money('target_months.target') }} as target,
        -- a complete month with no row in the owning mart had none of the metric: 0
        case
            when target_months.is_complete then {{ as_money('coalesce(actuals_by_month.actual, 0)') }}
        end as actual,
        case
            when target_months.is_complete
                then {{ safe_divide('coalesce(actuals_by_month.actual, 0)', 'target_months.target') }}
        end as attainment,
        {{ as_money('expected_by_month.expected_value') }} as expected_value,
        {{ as_money('expected_by_month.expected_lower_80') }} as expected_lower_80,
        {{ as_money('expected_by_month.expected_upper_80') }} as expected_upper_80,
        {{ safe_divide('expected_by_month.expected_value', 'target_months.target') }} as expected_attainment,
        case
            when expected_by_month.expected_value is not null then expected_by_month.window_model
        end as forecast_model,
        expected_by_month.expected_basis
    from target_months
    left join actuals_by_month
        on target_months.tenant_id = actuals_by_month.tenant_id
        and target_months.metric = actuals_by_month.metric
        and target_months.month = actuals_by_month.month
    inner join expected_by_month
        on target_months.tenant_id = expected_by_month.tenant_id
        and target_months.metric = expected_by_month.metric
        and target_months.month = expected_by_month.month
)

select * from final
