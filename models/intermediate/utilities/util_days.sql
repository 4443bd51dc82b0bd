{#- Every day from 2015-01-01 up to the day before as_of_date: each month of
    the month spine with day offsets 0-30, cut at the month's end. (dbt's
    date_spine queries the warehouse while compiling; this does not.) -#}
with

months as (
    {{ month_spine("cast('2015-01-01' as date)", "cast(" ~ dbt.date_trunc('month', as_of_date()) ~ " as date)")
       | indent(4) }}
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
    where
        -- an offset past the month's end belongs to the next month's own row
        cast({{ dbt.date_trunc('month', 'days.day') }} as date) = days.month
        and days.day < {{ as_of_date() }}
)

select * from final
