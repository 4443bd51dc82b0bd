{#- Every day from the earliest relevant day in staging (util_calendar_bounds)
    up to the day before as_of_date: each month of a month spine with day
    offsets 0-30, cut at the month's end. (dbt's date_spine queries the
    warehouse while compiling; this does not.) -#}
with

bounds as (select * from {{ ref('util_calendar_bounds') }}),

months as (
    {{ month_spine(
        "(select cast(" ~ dbt.date_trunc('month', 'first_day') ~ " as date) from bounds)",
        "cast(" ~ dbt.date_trunc('month', as_of_date()) ~ " as date)") | indent(4) }}
),

day_offsets as (
    -- 0, 1, ..., 30
    {% for offset in range(31) -%}
        select {{ offset }} as day_offset
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

days as (
    select
        months.month,
        cast({{ dbt.dateadd('day', 'day_offsets.day_offset', 'months.month') }} as date) as day
    from months
    cross join day_offsets
),

final as (
    select days.day
    from days
    cross join bounds
    where
        -- an offset past the month's end belongs to the next month's own row
        cast({{ dbt.date_trunc('month', 'days.day') }} as date) = days.month
        and days.day >= bounds.first_day
        and days.day < bounds.as_of_date
)

select * from final
