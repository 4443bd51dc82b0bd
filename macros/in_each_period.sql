{#- Every row of `relation` once per grain (day, week from Monday, month by default), with the
    period_type, period_start and period_end of the period holding its `date_column`: a fact
    counted in its day, its week and its month, which a model then groups by period and joins
    with equalities only (a range join of facts against periods grows with facts x periods). -#}
{% macro in_each_period(relation, date_column, grains=['day', 'week', 'month']) -%}
    {%- for grain in grains %}
    select
        {{ relation }}.*,
        '{{ grain }}' as period_type,
        {{ period_start_of(relation ~ '.' ~ date_column, grain) }} as period_start,
        {{ period_end(period_start_of(relation ~ '.' ~ date_column, grain), grain) }} as period_end
    from {{ relation }}
    {%- if not loop.last %}
    union all
    {%- endif %}
    {%- endfor %}
{%- endmacro %}
