{#- The rate to USD for every currency of seed `currencies` and every month an
    amount can belong to (the earliest relevant month in staging through the
    month of as_of_date + 1 day), so a conversion is an equality join and never
    silently null:
    - USD, the reporting currency, is exactly 1 with no lookup;
    - a month the seed has converts at its own rate (fx_rate_source 'exact');
    - a month the seed lacks takes the nearest earlier month's rate
      ('nearest_earlier'), else the earliest later one ('earliest_later'), and
      says which month's rate it used (fx_rate_month);
    - a currency with no rate at all has no rows here: the build stops at the
      test every_currency_has_an_fx_rate, which names it. -#}
with

currencies as (select * from {{ ref('currencies') }}),

seed_rates as (select * from {{ ref('fx_rates_monthly') }}),

bounds as (select * from {{ ref('util_calendar_bounds') }}),

months as (
    {{ month_spine(
        "(select cast(" ~ dbt.date_trunc('month', 'first_day') ~ " as date) from bounds)",
        "cast(" ~ dbt.date_trunc('month', dbt.dateadd('day', 1, as_of_date())) ~ " as date)") | indent(4) }}
),

foreign_currencies as (
    select currency_code
    from currencies
    where currency_code != 'USD'
),

rate_months as (
    -- for each foreign currency and month: the nearest seed month at or before it, and the first one after it
    select
        foreign_currencies.currency_code,
        months.month,
        max(case when seed_rates.month <= months.month then seed_rates.month end) as earlier_rate_month,
        min(case when seed_rates.month > months.month then seed_rates.month end) as later_rate_month
    from foreign_currencies
    cross join months
    inner join seed_rates
        on foreign_currencies.currency_code = seed_rates.currency_code
    group by foreign_currencies.currency_code, months.month
),

foreign_rates as (
    select
        rate_months.currency_code,
        rate_months.month,
        seed_rates.month as fx_rate_month,
        case
            when seed_rates.month = rate_months.month then 'exact'
            when rate_months.earlier_rate_month is not null then 'nearest_earlier'
            else 'earliest_later'
        end as fx_rate_source,
        seed_rates.rate_to_usd
    from rate_months
    inner join seed_rates
        on rate_months.currency_code = seed_rates.currency_code
        and coalesce(rate_months.earlier_rate_month, rate_months.later_rate_month) = seed_rates.month
),

reporting_currency as (
    select
        'USD' as currency_code,
        months.month,
        months.month as fx_rate_month,
        'identity' as fx_rate_source,
        cast(1 as numeric(18, 8)) as rate_to_usd
    from months
),

final as (
    select
        currency_code,
        month,
        fx_rate_month,
        fx_rate_source,
        rate_to_usd
    from foreign_rates
    union all
    select
        currency_code,
        month,
        fx_rate_month,
        fx_rate_source,
        rate_to_usd
    from reporting_currency
)

select * from final
