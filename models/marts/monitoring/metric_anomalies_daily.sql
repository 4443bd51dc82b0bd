{#- Daily metric anomalies per tenant: the alert rules of the seeds' alert
    document, made to mean something on small, noisy daily counts.

    Two windows per day: the week (the day and the 6 before it) and the
    baseline (the 28 days before the week). Weekly drop rules judge the week
    against the baseline and fire only when the drop passes the floor AND is
    beyond chance (one-sided z below -anomaly_z_max):
    - revenue: week average below anomaly_revenue_floor x the baseline average;
      z = difference / (baseline daily stddev x sqrt(1/7 + 1/28)), the
      standard error of a difference of a 7-day and a 28-day mean;
    - orders: week orders below anomaly_orders_floor x the baseline rate; z of
      the week's share of the 35 days' orders against the share the days give
      (7/35), the test of two Poisson rates;
    - conversion: week conversion (purchase sessions / sessions) below
      anomaly_conversion_floor x the baseline's; two-proportion z; only with
      at least anomaly_min_sessions sessions in the week.
    Single-day rules, |z| above anomaly_z_max for revenue or orders against
    the baseline, fire only for tenants averaging at least anomaly_min_orders
    orders a day: below that a day's count is Poisson noise. No rule fires
    without a full week and baseline (35 days of history). The orchestrator's
    anomaly check reads the latest day of this model; it recomputes nothing. -#}
{%- set week_days = 7 %}
{%- set baseline_days = 28 %}
{%- set z_max = var('anomaly_z_max') %}
-- BigQuery: partitioned by day (a partition per day),
-- clustered by tenant: a dashboard's tenant and date filters
-- read a fraction of the table (other engines ignore both)
{{
    config(
        partition_by=({'field': 'day', 'data_type': 'date'}
                      if target.type == 'bigquery' else none),
        cluster_by=(['tenant_id'] if target.type == 'bigquery' else none),
    )
}}
with

period_kpis as (select * from {{ ref('period_kpis') }}),

daily as (
    select
        tenant_id,
        period_start as day,
        revenue_usd,
        orders,
        sessions,
        purchase_sessions,
        conversion_rate
    from period_kpis
    where period_type = 'day'
),

windowed as (
    -- averages as double on every engine (Postgres would keep numeric): the enforced contract
    select
        daily.*,
        count(*) over trailing_week as week_days,
        cast(avg(daily.revenue_usd) over trailing_week as {{ type_double() }}) as week_revenue_avg,
        sum(daily.orders) over trailing_week as week_orders,
        sum(daily.sessions) over trailing_week as week_sessions,
        sum(daily.purchase_sessions) over trailing_week as week_purchase_sessions,
        count(*) over baseline_window as trailing_days,
        cast(avg(daily.revenue_usd) over baseline_window as {{ type_double() }}) as trailing_revenue_avg,
        cast(stddev_samp(daily.revenue_usd) over baseline_window as {{ type_double() }}) as trailing_revenue_stddev,
        cast(avg(daily.orders) over baseline_window as {{ type_double() }}) as trailing_orders_avg,
        cast(stddev_samp(daily.orders) over baseline_window as {{ type_double() }}) as trailing_orders_stddev,
        sum(daily.orders) over baseline_window as trailing_orders,
        sum(daily.sessions) over baseline_window as trailing_sessions,
        sum(daily.purchase_sessions) over baseline_window as trailing_purchase_sessions
    from daily
    window
        trailing_week as (
            partition by daily.tenant_id order by daily.day
            rows between {{ week_days - 1 }} preceding and current row
        ),
        baseline_window as (
            partition by daily.tenant_id order by daily.day
            rows between {{ week_days + baseline_days - 1 }} preceding and {{ week_days }} preceding
        )
),

rates as (
    select
        windowed.*,
        windowed.week_days = {{ week_days }}
        and windowed.trailing_days = {{ baseline_days }} as has_full_history,
        {{ safe_divide('windowed.week_purchase_sessions', 'windowed.week_sessions') }}
            as week_conversion_rate,
        {{ safe_divide('windowed.trailing_purchase_sessions', 'windowed.trailing_sessions') }}
            as trailing_conversion_avg,
        -- the conversion of both windows pooled: the rate if nothing changed
        {{ safe_divide(
            'windowed.week_purchase_sessions + windowed.trailing_purchase_sessions',
            'windowed.week_sessions + windowed.trailing_sessions'
        ) }} as pooled_conversion_rate,
        -- the week's share of the two windows' days: its share of orders if the rate held
        {{ safe_divide('windowed.week_days', 'windowed.week_days + windowed.trailing_days') }}
            as week_share_of_days
    from windowed
),

scored as (
    select
        rates.*,
        {{ safe_divide('rates.revenue_usd - rates.trailing_revenue_avg', 'rates.trailing_revenue_stddev') }}
            as revenue_z_score,
        {{ safe_divide('rates.orders - rates.trailing_orders_avg', 'rates.trailing_orders_stddev') }}
            as orders_z_score,
        {{ safe_divide(
            'rates.week_revenue_avg - rates.trailing_revenue_avg',
            'rates.trailing_revenue_stddev * ' ~ (1 / week_days + 1 / baseline_days) ** 0.5
        ) }} as revenue_drop_z_score,
        {{ safe_divide(
            'rates.week_orders - (rates.week_orders + rates.trailing_orders) * rates.week_share_of_days',
            'sqrt((rates.week_orders + rates.trailing_orders)'
            ~ ' * rates.week_share_of_days * (1 - rates.week_share_of_days))'
        ) }} as orders_drop_z_score,
        {{ safe_divide(
            'rates.week_conversion_rate - rates.trailing_conversion_avg',
            'sqrt(rates.pooled_conversion_rate * (1 - rates.pooled_conversion_rate) * ('
            ~ safe_divide('1', 'rates.week_sessions') ~ ' + '
            ~ safe_divide('1', 'rates.trailing_sessions') ~ '))'
        ) }} as conversion_drop_z_score
    from rates
),

flagged as (
    select
        scored.*,
        coalesce(
            scored.has_full_history
            and scored.week_revenue_avg < {{ var('anomaly_revenue_floor') }} * scored.trailing_revenue_avg
            and scored.revenue_drop_z_score < -{{ z_max }},
            false
        ) as is_revenue_below_trailing,
        coalesce(
            scored.has_full_history
            and {{ safe_divide('scored.week_orders', week_days) }}
            < {{ var('anomaly_orders_floor') }} * scored.trailing_orders_avg
            and scored.orders_drop_z_score < -{{ z_max }},
            false
        ) as is_orders_below_trailing,
        coalesce(
            scored.has_full_history
            and scored.week_sessions >= {{ var('anomaly_min_sessions') }}
            and scored.week_conversion_rate < {{ var('anomaly_conversion_floor') }} * scored.trailing_conversion_avg
            and scored.conversion_drop_z_score < -{{ z_max }},
            false
        ) as is_conversion_below_trailing,
        coalesce(
            scored.has_full_history
            and scored.trailing_orders_avg >= {{ var('anomaly_min_orders') }}
            and abs(scored.revenue_z_score) > {{ z_max }},
            false
        ) as is_revenue_outlier,
        coalesce(
            scored.has_full_history
            and scored.trailing_orders_avg >= {{ var('anomaly_min_orders') }}
            and abs(scored.orders_z_score) > {{ z_max }},
            false
        ) as is_orders_outlier
    from scored
),

final as (
    select
        {{ surrogate_key(['tenant_id', 'day']) }} as tenant_day_key,
        flagged.tenant_id,
        flagged.day,
        flagged.revenue_usd,
        flagged.orders,
        flagged.sessions,
        flagged.purchase_sessions,
        flagged.conversion_rate,
        flagged.week_days,
        flagged.week_revenue_avg,
        flagged.week_orders,
        flagged.week_sessions,
        flagged.week_purchase_sessions,
        flagged.week_conversion_rate,
        flagged.trailing_days,
        flagged.trailing_revenue_avg,
        flagged.trailing_revenue_stddev,
        flagged.trailing_orders_avg,
        flagged.trailing_orders_stddev,
        flagged.trailing_orders,
        flagged.trailing_sessions,
        flagged.trailing_purchase_sessions,
        flagged.trailing_conversion_avg,
        flagged.revenue_z_score,
        flagged.orders_z_score,
        flagged.revenue_drop_z_score,
        flagged.orders_drop_z_score,
        flagged.conversion_drop_z_score,
        flagged.is_revenue_below_trailing,
        flagged.is_orders_below_trailing,
        flagged.is_conversion_below_trailing,
        flagged.is_revenue_outlier,
        flagged.is_orders_outlier,
        flagged.is_revenue_below_trailing
        or flagged.is_orders_below_trailing
        or flagged.is_conversion_below_trailing
        or flagged.is_revenue_outlier
        or flagged.is_orders_outlier as is_anomalous
    from flagged
)

select * from final
