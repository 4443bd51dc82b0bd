{#- Stops the build, naming the currency, when a staged amount is in a currency
    that has no rate in seed fx_rates_monthly at all (int_fx_rates_by_month can
    fill a gap in a currency's months, never a currency with none). Returns one
    row per such currency and source; the message lists them. -#}
{{ config(severity='error') }}

{%- set currency_columns = [
    ('stg_billing__customers', 'currency'),
    ('stg_billing__invoices', 'currency'),
    ('stg_billing__invoice_line_items', 'currency'),
    ('stg_billing__payments', 'currency'),
    ('stg_billing__prices', 'currency'),
    ('stg_commerce__orders', 'currency'),
    ('stg_commerce__marketing_spend', 'currency'),
    ('stg_crm__opportunities', 'currency'),
] -%}

{%- set missing_sql -%}
with

used as (
    {% for model_name, column in currency_columns -%}
        select distinct
            {{ column }} as currency,
            '{{ model_name }}' as used_in
        from {{ ref(model_name) }}
        where {{ column }} is not null
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

rated as (select distinct currency_code from {{ ref('int_fx_rates_by_month') }})

select
    used.currency,
    used.used_in
from used
left join rated
    on used.currency = rated.currency_code
where rated.currency_code is null
{%- endset -%}

{#- only when the test runs: `dbt compile` (offline BigQuery included) must not query the warehouse -#}
{%- if execute and flags.WHICH in ('build', 'test', 'retry') -%}
    {%- set missing = run_query(missing_sql) -%}
    {%- if missing.rows | length > 0 -%}
        {%- set named = [] -%}
        {%- for row in missing.rows -%}
            {%- do named.append(row[0] ~ ' (' ~ row[1] ~ ')') -%}
        {%- endfor -%}
        {{ exceptions.raise_compiler_error(
            "No FX rate to USD for currency " ~ (named | join(', '))
            ~ ": add its monthly rates to seed fx_rates_monthly (docs/DECISIONLOG.md, FX).") }}
    {%- endif -%}
{%- endif -%}

{{ missing_sql }}
