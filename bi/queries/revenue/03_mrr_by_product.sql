-- Revenue: MRR by product, latest month
select product_name, product_line, mrr, paying_customers
from marts.mrr_by_product
where tenant_id = %(tenant_id)s
  and month = (select max(month) from marts.mrr_by_product where tenant_id = %(tenant_id)s)
order by mrr desc
