{#- The Python-written forecast (marts.revenue_forecast) for the models that compare with it.
    The table exists only after `warehouse forecast` has run once, and dbt builds before it on
    a fresh warehouse: then this model is empty with the same columns, and the models reading it
    say "no forecast yet" rather than failing the build (docs/DECISIONLOG.md, "Targets"). -#}
{%- set forecast_relation = source('forecast', 'revenue_forecast') -%}
{%- set forecast_exists = execute and adapter.get_relation(
    database=forecast_relation.database,
    schema=forecast_relation.schema,
    identifier=forecast_relation.identifier) is not none -%}

with

forecasts as (
    {% if forecast_exists -%}
        select * from {{ forecast_relation }}
    {%- else -%}
        -- the empty stand-in: no row, the forecast's columns and types
        select
            cast(null as {{ dbt.type_string() }}) as tenant_id,
            cast(null as {{ dbt.type_string() }}) as series,
            cast(null as date) as period_start,
            cast(null as {{ dbt.type_int() }}) as horizon_step,
            cast(null as {{ type_double() }}) as point_forecast,
            cast(null as {{ type_double() }}) as lower_80,
            cast(null as {{ type_double() }}) as upper_80,
            cast(null as {{ type_double() }}) as lower_95,
            cast(null as {{ type_double() }}) as upper_95,
            cast(null as {{ dbt.type_string() }}) as model,
            cast(null as date) as trained_through,
            cast(null as date) as as_of_date
        where 1 = 0
    {%- endif %}
),

renamed as (
    select
        {{ surrogate_key(['tenant_id', 'series', 'period_start']) }} as forecast_key,
        cast(tenant_id as {{ dbt.type_string() }}) as tenant_id,
        cast(series as {{ dbt.type_string() }}) as series,
        cast(period_start as date) as period_start,
        cast(horizon_step as {{ dbt.type_int() }}) as horizon_step,
        cast(point_forecast as {{ type_double() }}) as point_forecast,
        cast(lower_80 as {{ type_double() }}) as lower_80,
        cast(upper_80 as {{ type_double() }}) as upper_80,
        cast(lower_95 as {{ type_double() }}) as lower_95,
        cast(upper_95 as {{ type_double() }}) as upper_95,
        cast(model as {{ dbt.type_string() }}) as model,
        cast(trained_through as date) as trained_through,
        cast(as_of_date as date) as forecast_as_of_date
    from forecasts
)

select * from renamed
