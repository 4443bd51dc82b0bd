{#- The column never exceeds `bound` (another column or an expression) on the
    same row: delivered <= sent, read <= delivered. Returns the offending rows. -#}
{% test not_greater_than(model, column_name, bound) %}

select
    *
from {{ model }}
where {{ column_name }} > {{ bound }}

{% endtest %}
