{#- Daily metric anomalies per tenant, the alert rules of the seeds' alert
    document: revenue below 80 % of its trailing 28-day average, conversion
    rate below 90 % of its trailing 28-day average, and a z-score beyond 2.5
    (against the trailing 28 days) on revenue or orders. The trailing window
    is the 28 days before the day, so a day is not compared with itself; a
    rule only fires once 28 days of history exist. Thresholds are vars. The
    orchestrator's anomaly check reads the latest day of this model and
    alerts; it recomputes nothing. -#}
with

period_kpis as (select * from {{ ref('period_kpis') }}),

daily as (
    select
        tenant_id,
        period_start as day,
        revenue_usd,
        orders,
        conversion_rate
    from period_kpis
    where period_type = 'day'
),

with_trailing as (
    select
        daily.*,
        count(*) over trailing_28_days as trailing_days,
        avg(daily.revenue_usd) over trailing_28_days as trailing_revenue_avg,
        stddev_samp(daily.revenue_usd) over trailing_28_days as trailing_revenue_stddev,
        avg(daily.orders) over trailing_28_days as trailing_orders_avg,
        stddev_samp(daily.orders) over trailing_28_days as trailing_orders_stddev,
        avg(daily.conversion_rate) over trailing_28_days as trailing_conversion_avg
    from daily
    window trailing_28_days as (partition by tenant_id order by day rows between 28 preceding and 1 preceding)
),

scored as (
    select
        with_trailing.*,
        {{ safe_divide('revenue_usd - trailing_revenue_avg', 'trailing_revenue_stddev') }} as revenue_z_score,
        {{ safe_divide('orders - trailing_orders_avg', 'trailing_orders_stddev') }} as orders_z_score
    from with_trailing
),

flagged as (
    select
        scored.*,
        coalesce(
            scored.trailing_days = 28
            and scored.revenue_usd < {{ var('anomaly_revenue_floor') }} * scored.trailing_revenue_avg,
            false
        ) as is_revenue_below_trailing,
        coalesce(
            scored.trailing_days = 28
            and scored.conversion_rate < {{ var('anomaly_conversion_floor') }} * scored.trailing_conversion_avg,
            false
        ) as is_conversion_below_trailing,
        coalesce(scored.trailing_days = 28 and abs(scored.revenue_z_score) > {{ var('anomaly_z_max') }}, false)
            as is_revenue_outlier,
        coalesce(scored.trailing_days = 28 and abs(scored.orders_z_score) > {{ var('anomaly_z_max') }}, false)
            as is_orders_outlier
    from scored
),

final as (
    select
        {{ surrogate_key(['tenant_id', 'day']) }} as tenant_day_key,
        flagged.*,
        flagged.is_revenue_below_trailing
        or flagged.is_conversion_below_trailing
        or flagged.is_revenue_outlier
        or flagged.is_orders_outlier as is_anomalous
    from flagged
)

select * from final
