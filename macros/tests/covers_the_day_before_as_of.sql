{#- The freshness promise of a daily mart: every tenant's newest `date_column` value (within the rows
    `where` keeps) is the day before as_of_date, the last day a daily run can hold complete. Returns
    each tenant whose latest day is any other: a build that stopped short (a calendar cut too early)
    or ran past the clock. -#}
{% test covers_the_day_before_as_of(model, date_column, where_sql='1 = 1') %}

with

latest as (
    select
        tenant_id,
        max({{ date_column }}) as latest_day
    from {{ model }}
    where {{ where_sql }}
    group by tenant_id
)

select *
from latest
where latest_day <> cast({{ dbt.dateadd('day', -1, as_of_date()) }} as date)

{% endtest %}
